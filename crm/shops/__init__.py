"""Shops and staff: the shop, memberships and roles, API keys, invitations, audit, login
lockout, and the staff pages, API and admin site around them."""
