"""POST /api/v1/auth/token: a bearer token for a tablet or script."""

from competition.api import api_blueprint
from competition.api.schemas import ApiErrorResponseSchema, TokenRequestSchema, TokenSchema
from competition.extensions import db, limiter
from competition.security import account_login_limit, failed_login, login_account_key, login_limit
from competition.services import accounts

PREFIX = "/auth"
blp = api_blueprint("api_auth", "Authentication")


@blp.route("/token", methods=["POST"])
@limiter.shared_limit(login_limit, scope="sign-in-address")
@limiter.shared_limit(account_login_limit, scope="sign-in-account", key_func=login_account_key,
                      deduct_when=failed_login)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, schema=ApiErrorResponseSchema, description="Wrong user name or password")
@blp.alt_response(429, schema=ApiErrorResponseSchema, description="Too many sign-in attempts from this address "
                                                                  "or for this account: wait and try again")
def issue_token(body: dict) -> dict:
    """Exchange a user name and password for a bearer token (valid for one venue day)."""
    user = accounts.authenticate(body["username"], body["password"])
    token, row = accounts.issue_token(user, body.get("device"))
    db.session.commit()
    return {"token": token, "token_type": "Bearer", "expires_at": row.expires_at}
