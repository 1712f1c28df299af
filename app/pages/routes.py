from flask import render_template

from app import personal_data
from app.caching import not_modified
from app.pages import bp


@bp.get("/")
def home():
    return render_template("pages/home.html")


@bp.get("/about")
def about():
    return not_modified() or render_template("pages/about.html")


@bp.get("/privacy")
def privacy():
    return not_modified() or render_template(
        "pages/privacy.html", features=personal_data.features(), files=personal_data.export_files()
    )
