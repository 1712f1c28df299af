"""What runs only on a developer's machine, never in production.

The Stripe-compatible sandbox (``devstack.stripe_sandbox``), the demo community
(``devstack.demo``) and ``flask dev`` (``devstack.cli``), which ``make run`` calls.
``create_app`` registers ``flask dev`` under the development config only, and the
package that ships (``app``) never imports anything from here.
"""
