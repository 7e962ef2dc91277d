"""The factory wires every area explicitly: blueprints, command groups, signal receivers.

Run in a fresh interpreter, because in the test process some earlier test has already
built an app; a receiver connected merely by importing a module would pass there.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys
from asuh.accounts.services import user_created
from asuh.children.measuring import measurements_changed
from asuh.dashboard.growth import on_measurements_changed
from asuh.sponsors.services import on_user_created, sponsor_approved
from asuh.contributions.verification import contribution_verified
from asuh.letters.services import letter_issued
from asuh.notifications import receivers
from asuh.accounts.resets import reset_link_requested
from asuh.sponsors.signup import registered_with_known_data
from asuh.children.moving import child_moved
from asuh.contributions.access import on_child_moved

# Importing the modules wires nothing.
before = (on_measurements_changed in measurements_changed.receivers_for(None),
          on_user_created in user_created.receivers_for(None))
assert before == (False, False), before

from asuh import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                  "TESTING": True})
create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True})
assert list(measurements_changed.receivers_for(None)) == [on_measurements_changed]
assert list(user_created.receivers_for(None)) == [on_user_created]
# Notifications: one receiver per event, however many apps were built.
assert list(sponsor_approved.receivers_for(None)) == [receivers.on_sponsor_approved]
assert list(contribution_verified.receivers_for(None)) == [receivers.on_contribution_verified]
assert list(letter_issued.receivers_for(None)) == [receivers.on_letter_issued]
assert list(reset_link_requested.receivers_for(None)) == [receivers.on_reset_link_requested]
assert list(registered_with_known_data.receivers_for(None)) == [
    receivers.on_registered_with_known_data]
# Issue 15: a moved child's deliveries follow it.
assert list(child_moved.receivers_for(None)) == [on_child_moved]
assert "letters.monthly_statements" in app.extensions["asuh_jobs"].handlers
assert "notifications.deliver_due" in app.extensions["asuh_jobs"].ticks
print(" ".join(sorted(app.blueprints)))
print(" ".join(sorted(app.cli.commands)))
print(" ".join(sorted(rule.endpoint for rule in app.url_map.iter_rules())))
"""


def test_the_factory_wires_blueprints_commands_and_receivers(tmp_path):
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                            timeout=120)
    assert result.returncode == 0, result.stderr
    blueprints, commands, endpoints = result.stdout.splitlines()[-3:]
    assert blueprints.split() == sorted([
        "accounts", "api", "audit", "children", "contributions", "dashboard", "exports",
        "home", "jobs", "letters", "matching", "notifications", "opendata", "regions",
        "settings", "sponsors", "visits"])
    assert {"users", "regions", "children", "contributions", "dashboard", "audit",
            "letters", "demo", "install", "jobs", "notifications"} <= set(commands.split())
    # Routes declared by the modules that hang on another module's blueprint.
    assert {"matching.own_children", "children.import_upload", "letters.verify",
            "contributions.catalogue_index", "sponsors.register",
            "contributions.create"} <= set(endpoints.split())
