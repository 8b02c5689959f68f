"""This app's rows of the access matrix (tests/test_access_matrix.py).

PAGES: url name -> (permission, argument key), as in the matrix. `objects` makes what the
URLs need and returns {argument key: value}; `base` holds the matrix's own objects (venue,
session, booking, resident … as primary keys) and `users` the role users.
"""

PAGES = {}


def objects(*, make, base, users):
    return {}
