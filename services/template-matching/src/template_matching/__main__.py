from logmesh_runtime.service import serve
from template_matching.app import create_app
from template_matching.settings import TemplateMatchingSettings


def main() -> None:
    settings = TemplateMatchingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
