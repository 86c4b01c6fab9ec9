"""`with_shop_scope`: the only way a Celery task touches tenant data.

A task takes `shop_id` as its first argument (a JSON int, never a model instance). The
decorator refuses to run without one. By default it runs the body inside
`shop_scope(shop_id)`, one transaction, so a task that dies leaves nothing half-written.

`with_shop_scope(atomic=False)` checks the shop id the same way but opens no scope: the
body enters `shop_scope(shop_id)` once per short transaction of its own (claim a row and
commit, do the work or the outside call, commit the outcome), so what it claimed stays
claimed, and counted, whatever happens to the work. Outside those blocks the ORM refuses
tenant queries (no shop in scope), as everywhere else.
"""

import functools

from crm.tenancy.context import ShopScopeError, shop_scope


def _checked_shop_id(func, shop_id) -> int:
    if not isinstance(shop_id, int) or isinstance(shop_id, bool):
        raise ShopScopeError(f"task {func.__name__} needs an integer shop_id, got {shop_id!r}")
    return shop_id


def with_shop_scope(func=None, *, atomic: bool = True):
    def decorate(func):
        @functools.wraps(func)
        def wrapper(shop_id=None, *args, **kwargs):
            _checked_shop_id(func, shop_id)
            if not atomic:
                return func(shop_id, *args, **kwargs)
            with shop_scope(shop_id):
                return func(shop_id, *args, **kwargs)

        return wrapper

    return decorate(func) if func is not None else decorate
