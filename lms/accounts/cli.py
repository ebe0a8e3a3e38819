"""`flask lms create-user` and the accounts part of `flask lms seed-demo`."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from ..core.cli import fail, register_demo_seeder
from ..extensions import db
from . import demo, services
from .errors import AccountError
from .models import Agency, Role, Unit


def register(group: AppGroup) -> None:
    group.add_command(create_user_command)
    register_demo_seeder(demo.seed, order=10)


@click.command("create-user")
@click.option("--nip", help="NIP or PPPK number (18 digits); optional for system accounts.")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 8 characters.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    default=["learner"],
    show_default=True,
    help="Repeat for several roles.",
)
@click.option("--agency", "agency_code", help="Agency code.")
@click.option("--unit", "unit_code", help="Unit code within the agency.")
@with_appcontext
def create_user_command(nip, name, email, password, roles, agency_code, unit_code):
    """Create an account non-interactively (bootstrap the first admin with --role admin)."""
    agency = unit = None
    if agency_code:
        agency = db.session.scalar(sa.select(Agency).where(Agency.code == agency_code.upper()))
        if agency is None:
            fail([f"unknown agency code {agency_code!r}"])
    if unit_code:
        if agency is None:
            fail(["--unit needs --agency"])
        unit = db.session.scalar(
            sa.select(Unit).where(Unit.agency_id == agency.id, Unit.code == unit_code.upper())
        )
        if unit is None:
            fail([f"unknown unit code {unit_code!r} in agency {agency.code}"])
    try:
        user = services.create_user(
            services.NewUser(
                nip=nip,
                name=name,
                email=email,
                password=password,
                agency_id=agency.id if agency else None,
                unit_id=unit.id if unit else None,
                roles=tuple(Role(r) for r in roles),
            )
        )
    except AccountError as exc:
        fail([f"{exc.field or 'input'}: {exc}"])
    db.session.commit()
    click.echo(f"Created user {user.id} <{user.email}> with roles {', '.join(sorted(user.roles))}")
