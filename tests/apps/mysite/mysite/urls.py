"""Two views: who answered, and whether the database is migrated."""

import socket

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.urls import path


def index(request):
    return JsonResponse(
        {"app": "mysite", "host": socket.gethostname(), "secure": request.is_secure()}
    )


def healthz(request):
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return JsonResponse({"pending_migrations": len(pending)}, status=503 if pending else 200)


urlpatterns = [path("", index), path("healthz/", healthz)]
