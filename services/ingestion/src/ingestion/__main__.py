from ingestion.app import create_app
from ingestion.settings import IngestionSettings
from logmesh_runtime.service import serve


def main() -> None:
    settings = IngestionSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
