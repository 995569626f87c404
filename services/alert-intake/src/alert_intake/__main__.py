import sys

from alert_intake.app import create_app
from alert_intake.auth import MissingCredentials
from alert_intake.settings import AlertIntakeSettings
from logmesh_runtime.service import serve

if __name__ == "__main__":
    settings = AlertIntakeSettings()
    try:
        app = create_app(settings)
    except MissingCredentials as exc:
        print(f"alert-intake refuses to start: {exc}", file=sys.stderr)
        sys.exit(2)
    serve(app, settings)
