"""Make a Django project as its author would: startproject, then the recipe's edits.

    python django_project.py DEST

`django-admin startproject mysite DEST`, then what docs/recipes.md's Django recipe
tells a user to add: the production settings lines, a pyproject.toml, and a
django-q2 task queue with a view that enqueues a task. Nothing else of the
generated project changes, so the deploy meets Django's own defaults.
"""

import subprocess
import sys
from pathlib import Path

# The README's settings lines ("Django"), appended to the generated settings.
SETTINGS = """
# Production settings, from the environment that the deploy gives the app.
import os  # noqa: E402

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATABASES["default"]["NAME"] = Path(os.environ.get("STATE_DIRECTORY", BASE_DIR)) / "db.sqlite3"
STATIC_ROOT = Path(os.environ.get("APP_RELEASE_DIR", BASE_DIR)) / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

# A task queue whose broker is the database: django-q2's worker, `qcluster`.
INSTALLED_APPS += ["django_q"]
Q_CLUSTER = {"name": "mysite", "orm": "default", "workers": 1, "timeout": 120, "retry": 180}
"""

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "mysite"
version = "1.0.0"
requires-python = ">=3.10"
dependencies = ["django>=4.2", "django-q2>=1.7"]

[tool.setuptools]
packages = ["mysite"]
"""

# The app's own code: a task, and a view that enqueues it.
JOBS = '''import os
import time
from pathlib import Path


def record(token, seconds):
    """Take a while, then leave a file named after the token in the state directory."""
    time.sleep(seconds)
    Path(os.environ["STATE_DIRECTORY"], f"task-{token}").write_text(os.environ["APP_RELEASE"])
'''

VIEWS = """import re

from django.http import HttpResponse, HttpResponseBadRequest
from django_q.tasks import async_task


def enqueue(request):
    token = request.GET.get("token", "")
    if not re.fullmatch(r"[a-z0-9]{1,32}", token):
        return HttpResponseBadRequest("token: a-z and 0-9")
    async_task("mysite.jobs.record", token, int(request.GET.get("seconds", "0")))
    return HttpResponse(f"queued {token}\\n")
"""


def main() -> None:
    dest = Path(sys.argv[1])
    dest.mkdir(parents=True)
    # django-admin, from the Python that runs this script.
    startproject = [sys.executable, "-m", "django", "startproject", "mysite", str(dest)]
    subprocess.run(startproject, check=True)
    package = dest / "mysite"
    with (package / "settings.py").open("a") as settings:
        settings.write(SETTINGS)
    (dest / "pyproject.toml").write_text(PYPROJECT)
    (package / "jobs.py").write_text(JOBS)
    (package / "views.py").write_text(VIEWS)
    urls = package / "urls.py"
    text = urls.read_text()
    text = text.replace(
        "from django.urls import path",
        "from django.urls import path\n\nfrom mysite.views import enqueue",
    )
    text = text.replace(
        "path('admin/', admin.site.urls),",
        "path('admin/', admin.site.urls),\n    path('enqueue/', enqueue),",
    ).replace(
        'path("admin/", admin.site.urls),',
        'path("admin/", admin.site.urls),\n    path("enqueue/", enqueue),',
    )
    if "enqueue/" not in text:
        raise SystemExit(f"{urls}: found no admin route to add the task's route after")
    urls.write_text(text)


if __name__ == "__main__":
    main()
