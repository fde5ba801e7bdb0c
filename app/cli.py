"""`flask …` commands. Each calls a service and commits once."""

from __future__ import annotations

import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db
from app.models.report import ReportStatus


def register(app: Flask) -> None:
    from app.cli_backup import backup_cli
    from app.cli_exports import exports_cli
    from app.cli_jobs import jobs_cli
    from app.cli_notices import notices_cli
    from app.cli_privacy import privacy_cli
    from app.cli_reminders import reports_cli

    app.cli.add_command(backup_cli)
    app.cli.add_command(exports_cli)
    app.cli.add_command(notices_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(catalogue_cli)
    app.cli.add_command(stats_cli)


users_cli = AppGroup("users", help="User accounts.")
import_cli = AppGroup("import", help="Data imports (FINESS, catalogue).")
demo_cli = AppGroup("demo", help="Fictional demonstration data.")
catalogue_cli = AppGroup("catalogue", help="Solution catalogue.")
stats_cli = AppGroup("stats", help="Statistics releases (what visitors read).")


@stats_cli.command("release")
def stats_release_command() -> None:
    """Make every release that is due: a scope whose reports changed in at least MIN_ESTABLISHMENTS
    establishments since its last release (run it from a scheduler, or after a bulk load)."""
    from app.services import releases, stats

    made = releases.update_now()
    db.session.commit()
    click.echo(f"Publications statistiques : {len(made)} ({', '.join(made) or 'aucune n’était due'}).")
    if current_app.config.get("WARM_ANALYST_VIEWS", True):
        warmed = stats.warm_analyst_views(None)
        db.session.commit()
        click.echo(f"Chiffres des analystes calculés : {warmed}.")
    if made:
        from app import page_refresh

        click.echo(f"Pages des visiteurs rendues à nouveau : {page_refresh.prerender()}.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
def create_admin_command(email: str, name: str) -> None:
    """Create (or promote) an administrator. Password from RETEX_ADMIN_PASSWORD or asked without echo."""
    from app.services import accounts

    password = os.environ.get("RETEX_ADMIN_PASSWORD")
    if password is None:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise click.ClickException(f"Le mot de passe doit compter au moins {minimum} caractères.")
    if "@" not in email:
        raise click.ClickException("Adresse électronique invalide.")
    user = accounts.create_admin(email, password, name)
    db.session.commit()
    click.echo(f"Administrateur prêt : {user.email}")


@import_cli.command("finess")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
def import_finess_command(path: Path, dry_run: bool) -> None:
    """Import establishments from a FINESS extract (legacy CSV or JSON feed), in one transaction."""
    from app.services.finess_import import FinessImportError, import_finess

    try:
        report = import_finess(path)
    except (UnicodeDecodeError, OSError) as error:
        db.session.rollback()
        raise click.ClickException(f"Fichier illisible : {error}") from error
    except FinessImportError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(f"Créés : {report.created}  Mis à jour : {report.updated}  Inchangés : {report.unchanged}  "
               f"Rejetés : {len(report.rejected)}")
    for line, reason in report.rejected:
        click.echo(f"  ligne {line} : {reason}")
    if report.unmapped_categories:
        click.echo("Catégories FINESS classées « Autre » :")
        for category, count in report.unmapped_categories.most_common():
            click.echo(f"  {category or '(sans catégorie)'} : {count}")
    if dry_run:
        click.echo("Essai à blanc : rien n'a été enregistré.")


@import_cli.command("catalogue")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_catalogue_command(path: Path) -> None:
    """Create or update solutions from a CSV file (header row; see the README for the columns)."""
    from app.services.catalogue import import_catalogue_csv
    from app.services.categories import ensure_categories

    ensure_categories()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    report = import_catalogue_csv(text)
    db.session.commit()
    click.echo(f"Créées : {report.created}  Mises à jour : {report.updated}  Inchangées : {report.unchanged}  "
               f"Erreurs : {len(report.errors)}")
    for line, reason in report.errors:
        click.echo(f"  ligne {line} : {reason}")


@catalogue_cli.command("init-categories")
def init_categories_command() -> None:
    """Create the twelve solution categories if they are missing."""
    from app.services.categories import ensure_categories

    created = ensure_categories()
    db.session.commit()
    click.echo(f"Catégories créées : {created}")


def _refuse_in_production() -> None:
    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException("Les données de démonstration sont interdites en configuration de production.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds establishments.")
@click.option("--reports", "report_target", type=click.IntRange(min=0), default=None, metavar="N",
              help="Published fictional reports to reach (default: the DEMO_REPORTS setting, 3000).")
@click.option("--no-reports", is_flag=True, help="Load no fictional reports.")
def demo_load_command(if_empty: bool, report_target: int | None, no_reports: bool) -> None:
    """Load the fictional demonstration data (idempotent)."""
    from app.demo.loader import DEMO_PASSWORD, demo_logins, load_demo
    from app.models import Establishment

    _refuse_in_production()
    if if_empty and db.session.scalar(sa.select(Establishment.id).limit(1)) is not None:
        click.echo("La base contient déjà des données : démonstration non rechargée.")
    else:
        created = load_demo(with_reports=not no_reports, report_target=report_target)
        db.session.commit()
        click.echo("Données de démonstration (fictives) : " + ", ".join(f"{k} +{n}" for k, n in created.items()))
    click.echo(f"Comptes de démonstration (mot de passe « {DEMO_PASSWORD} ») :")
    for role, email in demo_logins():
        click.echo(f"  {role:<12} {email}")


@demo_cli.command("oidc-provider")
@click.option("--port", type=click.IntRange(min=1, max=65535), default=5001, show_default=True)
def demo_oidc_provider_command(port: int) -> None:
    """Serve a local OpenID provider with fictional identities (ProConnect, Pro Santé Connect in development)."""
    from app.demo.oidc_provider import serve

    _refuse_in_production()
    click.echo(f"Fournisseur d'identité local (fictif) : http://localhost:{port}")
    serve(port)


@demo_cli.command("bench-data")
@click.option("--reports", "report_count", type=click.IntRange(min=1), required=True, metavar="N",
              help="Published fictional reports to add.")
@click.option("--establishments", "establishment_count", type=click.IntRange(min=1), default=None, metavar="M",
              help="New fictional establishments to spread them over (default: max(200, N // 40)).")
@click.option("--seed", type=int, default=2024, show_default=True, help="Seed of the random generator.")
def demo_bench_data_command(report_count: int, establishment_count: int | None, seed: int) -> None:
    """Bulk-load fictional published reports for scale tests (additive: each run adds N more)."""
    import time

    from app.demo.bench import default_establishments, load_bench_data
    from app.demo.bench_facts import rebuild_facts_bulk
    from app.models import Report

    _refuse_in_production()
    count = establishment_count or default_establishments(report_count)
    started = time.monotonic()
    with click.progressbar(length=report_count, label=f"Retours fictifs ({count} établissements)") as bar:
        result = load_bench_data(report_count, count, seed=seed, progress=bar.update)
    loaded = time.monotonic()
    published = db.session.scalar(sa.select(sa.func.count(Report.id)).where(Report.status == ReportStatus.PUBLISHED))
    with click.progressbar(length=published, label="Faits des statistiques (tous les retours publiés)") as bar:
        facts = rebuild_facts_bulk(progress=bar.update)
    from app.services import releases

    releases.leave_for_later()  # a bulk load is released by `flask stats release`, timed on its own
    db.session.commit()
    done = time.monotonic()
    if result.catalogue_loaded:
        click.echo("Catalogue de démonstration chargé (aucune solution fictive n'existait).")
    shares = result.proportions()
    click.echo(f"Ajoutés : {result.reports} retours publiés ({result.revisions} versions), "
               f"{result.establishments} établissements, {result.contributors} contributeurs ; faits : {facts}.")
    click.echo(f"Durée : {done - started:.1f} s (retours {loaded - started:.1f} s, faits et validation "
               f"{done - loaded:.1f} s).")
    click.echo(f"Suivis : {shares['follow_ups']:.1%}  Paires à plusieurs contributeurs : "
               f"{shares['multi_contributor_pairs']:.1%}  Retours à deux versions : {shares['two_revisions']:.1%}")
    click.echo("Publications statistiques : lancer « flask stats release » pour les établir.")
    if result.extra_series > result.reports // 100:
        click.echo(f"Note : {result.extra_series} séries supplémentaires sur des paires déjà déployées "
                   f"(plus de retours que les établissements n'en contiennent ; augmentez --establishments).")
