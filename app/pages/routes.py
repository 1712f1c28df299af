from flask import render_template
from flask_login import current_user

from app import personal_data
from app.billing import forms as billing_forms
from app.billing import services as billing
from app.caching import not_modified
from app.pages import bp, services
from app.seats import transparency


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return render_template(
            "pages/home.html",
            home=services.home_for(current_user),
            price=billing.price_label(),
            checkout_form=billing_forms.CheckoutForm(formdata=None),
            portal_form=billing_forms.PortalForm(formdata=None),
        )
    return render_template(
        "pages/landing.html",
        price=billing.price_label(),
        groups=services.landing_groups(),
        books=transparency.headline(),
    )


@bp.get("/about")
def about():
    return not_modified() or render_template("pages/about.html")


@bp.get("/privacy")
def privacy():
    return not_modified() or render_template(
        "pages/privacy.html", features=personal_data.features(), files=personal_data.export_files()
    )
