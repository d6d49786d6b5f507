"""Settings from the environment, the way a deployed Django project reads them."""

import os
from pathlib import Path

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
# The site's name, and localhost for the health checks on the app's socket.
ALLOWED_HOSTS = [*os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","), "localhost"]

INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "mysite.urls"

# systemd gives the app its state directory.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(os.environ.get("STATE_DIRECTORY", ".")) / "db.sqlite3",
    }
}
USE_TZ = True
