from console.app import create_app
from console.settings import ConsoleSettings
from logmesh_runtime.service import serve


def main() -> None:
    settings = ConsoleSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
