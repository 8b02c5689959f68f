"""The demo city's volunteers (filled in with the volunteers issue)."""


def seed(*, users, small, seed):
    """Create this area's demo data unless it exists; True when something was created.

    `users` maps demo usernames (desk, venue, volunteer, dxoffice, admin) to users.
    """
    return False


def counts():
    return {}
