"""Analysts' API tokens: list, create (the clear token is shown once), revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.api.blueprint import pages
from app.api.forms import NewTokenForm, RevokeTokenForm
from app.extensions import db
from app.models import ApiToken
from app.security import no_store
from app.services import api_tokens

# Where the session keeps the way to the new token's one display (never the token: the session cookie is signed,
# not encrypted, and can be played again).
_NEW_TOKEN_KEY = "api_token_once"  # noqa: S105 (a session key, not a secret)


def _page(form: NewTokenForm):
    new_token = None
    kept = session.pop(_NEW_TOKEN_KEY, None)
    if kept is not None:
        revealed = api_tokens.reveal_once(kept, current_user)
        db.session.commit()  # shown once: its row is gone
        if revealed is not None:
            token, clear = revealed
            new_token = {"id": token.id, "name": token.name, "token": clear}
    return render_template("api/tokens.html", tokens=api_tokens.user_tokens(current_user), form=form,
                           revoke_form=RevokeTokenForm(), new_token=new_token,
                           today=api_tokens.today(), latest=api_tokens.latest_expiry())


@pages.route("/account/api-tokens")
@permissions.require(permissions.can_use_api_tokens)
@no_store
def tokens():
    return _page(NewTokenForm())


@pages.route("/account/api-tokens", methods=["POST"])
@permissions.require(permissions.can_use_api_tokens)
@no_store
def create_token():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form)
    token, clear = api_tokens.create_token(current_user, form.name.data, form.expires_on.data)
    session[_NEW_TOKEN_KEY] = api_tokens.keep_for_display(token, clear)
    db.session.commit()
    return redirect(url_for("api_pages.tokens"))


@pages.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@permissions.require(permissions.can_use_api_tokens)
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if not permissions.can_revoke_api_token(current_user, token):
        abort(404)  # someone else's token: its existence is not revealed
    if RevokeTokenForm().validate_on_submit():
        api_tokens.revoke(token, current_user)
        db.session.commit()
        flash(_("Le jeton « %(name)s » est révoqué : il ne donne plus accès à l'API.", name=token.name), "success")
    return redirect(url_for("api_pages.tokens"))
