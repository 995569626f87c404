"""python -m llm_analysis"""

from llm_analysis.app import create_app
from llm_analysis.settings import LlmAnalysisSettings
from logmesh_runtime.service import serve


def main() -> None:
    settings = LlmAnalysisSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
