"""Setting a tablet up as a kiosk signs the officer out of the back office in that browser
(issue 11, item 16): the public uses the tablet next."""

from __future__ import annotations

from backend.access.roles import Role
from backend.accounts.middleware import SESSION_COOKIE
from backend.accounts.services import start_session, user_for_token
from backend.catalog.tables import Counter
from backend.lib.clock import utcnow
from backend.ratings import duty, kiosk
from tests.helpers import Client, make_user, post_page_form


async def test_the_officer_is_signed_out_and_stays_on_duty(client: Client) -> None:
    counter = await Counter.insert(Counter(number=149, name="Quầy thử 149")).returning(Counter.id)
    officer = await make_user(Role.COUNTER, "t.kiosk.signout", counter=counter[0]["id"])
    session = await start_session(officer.id, "web")
    client.cookies.set(SESSION_COOKIE, session)
    await duty.start(officer.id, counter[0]["id"], utcnow())
    r = await post_page_form(client, "/kiosk/setup", {"pin": "1357", "pin_again": "1357"})
    assert r.status_code == 303 and kiosk.COOKIE in r.headers["set-cookie"]
    assert await user_for_token(session, "web") is None  # the session itself has ended
    back_office = await client.get("/staff/queue", follow_redirects=False)
    assert back_office.status_code == 303 and back_office.headers["location"].startswith("/login")
    assert await duty.on_duty(counter[0]["id"], utcnow()) == officer.id
