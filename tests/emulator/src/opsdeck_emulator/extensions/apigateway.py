"""API Gateway model fixes.

moto's CreateAuthorizer hands the identity validation expression to the model as
``identiy_validation_expression`` (sic), which ``Authorizer`` never reads: a TOKEN
authorizer's ``identityValidationExpression`` was dropped, so GetAuthorizer never returned
it and every re-plan of ``aws_api_gateway_authorizer`` (envs/prod's JWT authorizer) wanted
to set it again. The model now takes either spelling.
"""

from __future__ import annotations

from typing import Any

from moto.apigateway import models as apigw_models

_original_authorizer_init = apigw_models.Authorizer.__init__


def _authorizer_init(self: Any, authorizer_id: Any, name: Any, authorizer_type: Any, **kwargs: Any) -> None:
    misspelt = kwargs.pop("identiy_validation_expression", None)
    if misspelt is not None and kwargs.get("identity_validation_expression") is None:
        kwargs["identity_validation_expression"] = misspelt
    _original_authorizer_init(self, authorizer_id, name, authorizer_type, **kwargs)


apigw_models.Authorizer.__init__ = _authorizer_init  # type: ignore[method-assign]
