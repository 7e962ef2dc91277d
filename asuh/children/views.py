"""Children pages."""

from flask import Blueprint

bp = Blueprint("children", __name__)
