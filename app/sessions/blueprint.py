"""The sessions blueprint, in its own module so the view modules can share it."""

from flask import Blueprint

bp = Blueprint("sessions", __name__, template_folder="templates")
