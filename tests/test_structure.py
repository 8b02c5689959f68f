"""How the code is laid out, held where a reader relies on it (DESIGN.md, "Inside an app")."""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
# Modules of an app that are not services, queries or helpers of them.
NOT_FUNCTIONS_OF_THE_APP = {"admin.py", "apps.py", "forms.py", "models.py", "urls.py", "views.py"}
# notifications is being rewritten elsewhere; its views (call_list, message_cancel,
# resident_messages) are renamed with that work.
LATER = {"notifications"}


def _functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and not node.name.startswith("_")
    }


def _our_apps():
    for config in apps.get_app_configs():
        path = Path(config.path)
        if path.parent == ROOT and config.name not in LATER:
            yield path


def test_no_view_shares_a_name_with_a_service_or_query():
    """A view `booking_cancel` beside the service `booking_cancel` makes every reader check
    which one a line calls: views take another name (`booking_cancel_view`)."""
    functions = {}
    views = []
    for app in _our_apps():
        for path in app.glob("*.py"):
            if path.name not in NOT_FUNCTIONS_OF_THE_APP:
                for name in _functions(path):
                    functions.setdefault(name, path.relative_to(ROOT))
        views += [app / "views.py", *app.glob("views/*.py")]
    clashes = [
        f"{view.relative_to(ROOT)}: {name} (also in {functions[name]})"
        for view in views
        if view.exists()
        for name in sorted(_functions(view) & functions.keys())
    ]
    assert clashes == []
