"""Who is asking and what their role lets them open: roles, the signed-in person, guards.

The lowest domain layer: it knows no tables. `accounts` finds the person behind a session
cookie or an API token and puts them on the connection; every other domain checks access
through the guards and the `user` dependency here.
"""
