# Roles are Django groups (see accounts.access); this app keeps no tables of its own.
