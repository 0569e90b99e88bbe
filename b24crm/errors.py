"""The one error module: a typed exception carrying the vendor's code, text and HTTP status, and the
vendor's system-error table.

Everything raised towards a client is an :class:`ApiError`; one serializer (``http.render``) turns it into
``{"error": ..., "error_description": ...}``. Method families declare their own vendor-worded errors with
:class:`ErrorSpec` next to their handlers, the platform-wide ones live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ApiError(Exception):
    """An error answered to the client exactly as Bitrix24 words it."""

    def __init__(self, code: str, description: str, status: int = 400, **extra: Any) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.description, **self.extra}


@dataclass(frozen=True)
class ErrorSpec:
    """One row of a vendor error table; calling it makes the exception to raise."""

    code: str
    description: str
    status: int = 400

    def __call__(self, description: str | None = None, **extra: Any) -> ApiError:
        return ApiError(
            self.code, self.description if description is None else description, self.status, **extra
        )

    def format(self, **values: Any) -> ApiError:
        """The error with the ``{placeholders}`` of its text filled: a templated row declared once, instead
        of a text written out at each place that raises it."""
        return ApiError(self.code, self.description.format(**values), self.status)


# The server's own errors (the admin API, the command line) quote the input they refuse: a table name, a
# key, a value. Quoted whole, an input of megabytes would be answered back whole.
MAX_REASON = 500


def reason(exc: BaseException) -> str:
    """An exception's text for an error description: at most ``MAX_REASON`` characters."""
    text = str(exc)
    return text if len(text) <= MAX_REASON else f"{text[: MAX_REASON - 1]}…"


# The vendor's system errors, valid for any method (docs: _includes/system-errors.md).
INTERNAL_SERVER_ERROR = ErrorSpec("INTERNAL_SERVER_ERROR", "Internal server error", 500)
# The texts below end with the period the cloud answers them with (the vendor's auth code, b24pysdk's error
# classes), where the docs' table drops it; the table test lists each (DECIDED_TEXT).
ERROR_UNEXPECTED_ANSWER = ErrorSpec("ERROR_UNEXPECTED_ANSWER", "Server returned an unexpected response.", 500)
QUERY_LIMIT_EXCEEDED = ErrorSpec("QUERY_LIMIT_EXCEEDED", "Too many requests", 503)
ERROR_BATCH_METHOD_NOT_ALLOWED = ErrorSpec(
    "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage", 405
)
ERROR_BATCH_LENGTH_EXCEEDED = ErrorSpec("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded", 400)
NO_AUTH_FOUND = ErrorSpec("NO_AUTH_FOUND", "Wrong authorization data", 401)
INVALID_REQUEST = ErrorSpec("INVALID_REQUEST", "Https required.", 400)
OVERLOAD_LIMIT = ErrorSpec("OVERLOAD_LIMIT", "REST API is blocked due to overload.", 503)
# Worded so by the vendor's webhook check (rest/lib/apauth/auth.php) and b24pysdk's BitrixAPIAccessDenied.
ACCESS_DENIED_PLAN = ErrorSpec("ACCESS_DENIED", "REST is available only on commercial plans.", 403)
# The docs' table says 403; the vendor's webhook check (rest/lib/apauth/auth.php) raises it through the
# OAuth exception, 401, and b24pysdk files it under 401 (BitrixAPIInvalidCredentials): a webhook URL whose
# code is not an active webhook of that user.
INVALID_CREDENTIALS = ErrorSpec("INVALID_CREDENTIALS", "Invalid request credentials", 401)
ERROR_MANIFEST_IS_NOT_AVAILABLE = ErrorSpec(
    "ERROR_MANIFEST_IS_NOT_AVAILABLE", "Manifest is not available", 404
)
# 403 in the docs' table; the vendor raises every token-check error through its OAuth exception, 401, and
# b24pysdk files insufficient_scope under 401 (BitrixAPIInsufficientScope).
INSUFFICIENT_SCOPE = ErrorSpec(
    "insufficient_scope", "The request requires higher privileges than provided by the webhook token", 401
)
# With the final period the cloud answers (its token check is the authorization server's) and b24pysdk's
# BitrixAPIExpiredToken shows; the docs' table has none.
EXPIRED_TOKEN = ErrorSpec("expired_token", "The access token provided has expired.", 401)
USER_ACCESS_ERROR = ErrorSpec("user_access_error", "The user does not have access to the application.", 403)
PORTAL_DELETED = ErrorSpec("PORTAL_DELETED", "Portal was deleted", 500)

SYSTEM_ERRORS: tuple[ErrorSpec, ...] = (
    INTERNAL_SERVER_ERROR,
    ERROR_UNEXPECTED_ANSWER,
    QUERY_LIMIT_EXCEEDED,
    ERROR_BATCH_METHOD_NOT_ALLOWED,
    ERROR_BATCH_LENGTH_EXCEEDED,
    NO_AUTH_FOUND,
    INVALID_REQUEST,
    OVERLOAD_LIMIT,
    ACCESS_DENIED_PLAN,
    INVALID_CREDENTIALS,
    ERROR_MANIFEST_IS_NOT_AVAILABLE,
    INSUFFICIENT_SCOPE,
    EXPIRED_TOKEN,
    USER_ACCESS_ERROR,
    PORTAL_DELETED,
)

# Platform-level errors outside that table (docs: error-codes.md, api-reference/rest-v3.md, the REST server).
ERROR_METHOD_NOT_FOUND = ErrorSpec("ERROR_METHOD_NOT_FOUND", "Method not found!", 404)
# With its final period as the clients show it (b24pysdk's BitrixAPIOperationTimeLimit, PHP SDK tests).
OPERATION_TIME_LIMIT = ErrorSpec(
    "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.", 429
)
# An access token the server never issued (or whose app is gone), as the cloud answers it.
INVALID_TOKEN = ErrorSpec("invalid_token", "Unable to get application by token", 401)
# The token's user cannot act (deactivated), as the vendor's OAuth check (rest/lib/oauth/auth.php) answers.
AUTHORIZATION_ERROR = ErrorSpec("authorization_error", "Unable to authorize user", 401)
# A token without the method's scope: the webhook wording is in the table above.
INSUFFICIENT_SCOPE_TOKEN = ErrorSpec(
    "insufficient_scope", "The request requires higher privileges than provided by the access token", 401
)
# Application-only methods called otherwise: placement.* add the reason, event.* do not.
WRONG_AUTH_TYPE = ErrorSpec(
    "WRONG_AUTH_TYPE",
    "Current authorization type is denied for this method Application context required",
    403,
)
WRONG_AUTH_TYPE_BARE = ErrorSpec(
    "WRONG_AUTH_TYPE", "Current authorization type is denied for this method", 403
)
APP_CONTEXT_REQUIRED = ErrorSpec("ACCESS_DENIED", "Access denied! Application context required", 400)
ACCESS_DENIED = ErrorSpec("ACCESS_DENIED", "Access denied!", 403)
WRONG_ENCODING = ErrorSpec("WRONG_ENCODING", "Wrong request encoding", 400)
ERROR_ARGUMENT = ErrorSpec("ERROR_ARGUMENT", "Argument is null or empty", 400)
INVALID_ARG_VALUE = ErrorSpec("INVALID_ARG_VALUE", "Invalid argument value", 400)


class Legacy:
    """The errors of the vendor's older REST proxy (``crm.activity.*``, ``crm.deal.*`` & co.): an empty
    code and HTTP 400, the text being the whole message. Shared by every family that answers this way."""

    ACCESS_DENIED = ErrorSpec("", "Access denied.")
    ID_INVALID = ErrorSpec("", "ID is not defined or invalid.")

    # The proxy's pointer to the newer methods for providers it does not handle (add, update, get).
    USE_CONFIGURABLE = ErrorSpec("", "Use crm.activity.configurable.{action} for this activity provider")
    # An error the core registered: CRestServer answers it as ERROR_CORE, the text ending in a <br>.
    CORE = ErrorSpec("ERROR_CORE", "{message}<br>")
    # Several problems of one call, one per line (the e-mail checks of crm.activity.add).
    LINES = ErrorSpec("", "{lines}")

    @staticmethod
    def not_array(parameter: str) -> ErrorSpec:
        """``Parameter 'fields' must be array.`` and the like."""
        return ErrorSpec("", f"Parameter '{parameter}' must be array.")

    # Any other failure: the proxy keeps the message and drops the code (call it with the message).
    MESSAGE = ErrorSpec("", "")


class D7:
    """The errors the vendor's newer (D7) controllers share: a code, its English text, HTTP 400."""

    ACCESS_DENIED = ErrorSpec("ACCESS_DENIED", "Access denied")
    # The engine's argument binder (main/lib/engine/autowire/binder.php): code 100.
    PARAMETER_MISSING = ErrorSpec("100", "Could not find value for parameter {{{name}}}")
    PARAMETER_TYPE = ErrorSpec(
        "100", "Invalid value {{{shown}}} to match with parameter {{{name}}}. Should be value of type {kind}."
    )
    # The crm module's field checks (crm.item.*).
    NOT_ITERABLE = ErrorSpec("100", "Expected iterable value for multiple field, but got {shown} instead")
    FIELD_INVALID = ErrorSpec("CRM_FIELD_ERROR_VALUE_NOT_VALID", 'Invalid value for field "{title}"')

    # A required field left empty (crm.item.*, crm.type.*).
    FIELD_REQUIRED = ErrorSpec("CRM_FIELD_ERROR_REQUIRED", 'Field "{title}" is required')

    # The binder's range check of an action's owner (todo): the vendor's texts, "$entityId" included.
    OWNER_TYPE_INVALID = ErrorSpec("100", "The provided $entityTypeId is invalid")
    OWNER_ID_INVALID = ErrorSpec(
        "100",
        "The value of an argument 'The provided $entityId is invalid' is outside the allowable range of "
        "values: not less than 1",
    )
    # The crm module's CheckRestApplicationContext filter (configurable activities, layout blocks): the
    # text of Configurable::getWrongContextError (crm/lang/en/lib/controller/activity/configurable.php).
    WRONG_CONTEXT = ErrorSpec(
        "ERROR_WRONG_CONTEXT", "This method can only be called in the context of a REST application."
    )
    # The crm module's ErrorCode::getRequiredArgumentMissingError.
    ARGUMENT_REQUIRED = ErrorSpec("REQUIRED_ARG_MISSING", "Argument '{name}' is required")

    OWNER_NOT_FOUND = ErrorSpec("OWNER_NOT_FOUND", "Owner was not found")
