from logmesh_runtime.service import serve
from notification.app import create_app
from notification.settings import NotificationSettings


def main() -> None:
    settings = NotificationSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
