from knowledge_storage.app import create_app
from knowledge_storage.settings import KnowledgeStorageSettings
from logmesh_runtime.service import serve


def main() -> None:
    settings = KnowledgeStorageSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
