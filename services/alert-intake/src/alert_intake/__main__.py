from logmesh_runtime.service import serve

from alert_intake.app import create_app
from alert_intake.settings import AlertIntakeSettings

if __name__ == "__main__":
    settings = AlertIntakeSettings()
    serve(create_app(settings), settings)
