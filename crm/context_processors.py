def shop_navigation(request) -> dict:
    return {"current_shop": getattr(request, "shop", None), "current_membership": getattr(request, "membership", None)}
