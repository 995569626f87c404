from cluster_watching.app import create_app
from cluster_watching.settings import ClusterWatchingSettings
from logmesh_runtime.service import serve


def main() -> None:
    settings = ClusterWatchingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
