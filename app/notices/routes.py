from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.extensions import csrf, db
from app.models import Category, Delivery, FollowKind, Guide
from app.notices.blueprint import bp
from app.notices.forms import FollowForm, NoticeSettingsForm, UnsubscribeForm
from app.security import no_store
from app.services import follows
from app.urls import safe_redirect_target


def _kind_or_404(kind: str) -> FollowKind:
    try:
        return FollowKind(kind)
    except ValueError:
        abort(404)


@bp.route("/account/notifications", methods=["GET", "POST"])
@permissions.require(permissions.can_follow)
def settings():
    user = current_user._get_current_object()
    preference = follows.preference_of(user.id)
    form = NoticeSettingsForm(obj=preference)
    if form.validate_on_submit():
        follows.set_preference(user, Delivery(form.delivery.data), guides=form.guides.data,
                               statistics=form.statistics.data,
                               establishment=bool(form.establishment.data and user.establishment_id))
        db.session.commit()
        flash(_("Vos choix d'avis sont enregistrés."), "success")
        return redirect(url_for("notices.settings"))
    return render_template("notices/settings.html", form=form, followed=follows.followed_by(user),
                           unfollow_form=FollowForm(next=url_for("notices.settings"))), 400 if form.errors else 200


@bp.route("/follows/<kind>/<int:object_id>", methods=["POST"])
@permissions.require(permissions.can_follow)
def follow(kind: str, object_id: int):
    follow_kind = _kind_or_404(kind)
    target = follows.followable(follow_kind, object_id) or abort(404)
    form = FollowForm()
    if form.validate_on_submit():
        follows.follow(current_user, follow_kind, target.id)
        db.session.commit()
        name = (target.title if isinstance(target, Guide) else target.name_fr if isinstance(target, Category)
                else target.name)
        flash(_("Vous suivez « %(name)s ». Choisissez vos avis sur la page « Mes avis ».", name=name), "success")
    return redirect(safe_redirect_target(form.next.data, default=url_for("notices.settings")))


@bp.route("/follows/<kind>/<int:object_id>/stop", methods=["POST"])
@permissions.require(permissions.can_follow)
def unfollow(kind: str, object_id: int):
    """Stop following; what no longer exists or was archived can be unfollowed too, never another's follow."""
    follow_kind = _kind_or_404(kind)
    form = FollowForm()
    if form.validate_on_submit():
        follows.unfollow(current_user, follow_kind, object_id)
        db.session.commit()
        flash(_("Vous ne suivez plus cette page."), "success")
    return redirect(safe_redirect_target(form.next.data, default=url_for("notices.settings")))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@no_store  # its address is a credential, however limited: no cache keeps it
def unsubscribe(token: str):
    """GET: a page with the buttons (a link opened by a mail scanner changes nothing). POST: done, without login
    (RFC 8058's one-click POST carries `List-Unsubscribe=One-Click` and no scope: the link's own kind)."""
    found = follows.read_unsubscribe_token(token)
    if found is None:
        return render_template("notices/invalid_link.html"), 400
    user, kind = found
    form = UnsubscribeForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("notices/unsubscribe.html", kind=kind, form=form, done=None), 400
        scope = follows.ALL if form.scope.data == "all" else kind
        follows.unsubscribe(user.id, scope)
        db.session.commit()
        return render_template("notices/unsubscribe.html", kind=kind, form=form, done=scope)
    return render_template("notices/unsubscribe.html", kind=kind, form=form, done=None)
