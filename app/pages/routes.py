from flask import render_template

from app import personal_data
from app.billing.services import price_label
from app.pages import bp
from app.seats.transparency import open_books


@bp.get("/")
def home():
    return render_template("pages/home.html", books=open_books(), price=price_label())


@bp.get("/about")
def about():
    return render_template("pages/about.html")


@bp.get("/privacy")
def privacy():
    return render_template(
        "pages/privacy.html", features=personal_data.features(), files=personal_data.export_files()
    )
