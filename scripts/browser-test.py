#!/usr/bin/env python3
"""Headless-browser end-to-end test of the Roster admin console (selenium 4, Chromium headless).

Walks the console as an admin would: first-admin setup from the server log's one-time link, sign-out and
sign-in, adding a provisioning provider, acting as Okta over SCIM with the credentials shown, role mapping and
"apply org and role settings", the users list and a user's page, deactivation with its confirmation dialog, the
directory pages, and basic accessibility and keyboard checks. Every check is named and counted; a failed check
does not stop the run unless later steps cannot work without it. Each page visited is saved as a full-page
screenshot under .build/screenshots/NN-name.png.

The last line printed is "browser: N passed, M failed"; the exit status is 0 only when nothing failed.
Usually run by scripts/browser-test.sh, which starts a server on a fresh database:
    python3 scripts/browser-test.py --url http://127.0.0.1:PORT --log SERVER_LOG
"""
import argparse
import base64
import json
import os
import re
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"  # at least 12 characters
WAIT = 15  # seconds for any page or element

# Every input and select (hidden inputs aside) without a label (for/id or wrapping), aria-label or aria-labelledby.
UNLABELLED_JS = """
const out = [];
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden') continue;
  const labelled = (el.labels && [...el.labels].some(l => l.textContent.trim() !== ''))
    || (el.getAttribute('aria-label') || '').trim() !== ''
    || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some(id => id && document.getElementById(id));
  if (!labelled) out.push(el.outerHTML.slice(0, 120));
}
return out;
"""
DUPLICATE_IDS_JS = """
const seen = {}, dup = new Set();
for (const el of document.querySelectorAll('[id]')) { if (seen[el.id]) dup.add(el.id); seen[el.id] = true; }
return [...dup];
"""

EMPTY_FACTS_JS = """
return [...document.querySelectorAll('dl.facts dd')]
  .filter(dd => dd.textContent.trim() === '' && !dd.querySelector('input, select, button'))
  .map(dd => dd.previousElementSibling ? dd.previousElementSibling.textContent.trim() : '?');
"""


class Skip(Exception):
    """A step that cannot run because an earlier one failed."""


class BrowserTest:
    def __init__(self, url, log, shots):
        self.url = url.rstrip("/")
        self.log = log
        self.shots = shots
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.shot_number = 0
        self.js_errors = []
        self.driver = None
        # State carried between steps.
        self.credentials = None
        self.provider_url = None
        self.ids = {}

    # ---- bookkeeping ----

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            self.failures.append(name)
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
        return bool(ok)

    def step(self, name, body):
        """Runs one step of the flow; an exception fails the step (one failed check) and the run goes on."""
        print(f"--- {name}", flush=True)
        try:
            body()
        except Skip as skip:
            self.check(f"{name} (skipped)", False, str(skip))
        except Exception as error:  # noqa: BLE001 - any error is a failed step, reported with its cause
            detail = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
            self.check(f"{name} (step error)", False, detail)
            traceback.print_exc(limit=3, file=sys.stdout)
            try:
                self.shot(f"error-{re.sub(r'[^a-z0-9]+', '-', name.lower())}")
            except Exception:  # noqa: BLE001 - a screenshot of a broken browser is best effort
                pass

    def need(self, value, what):
        if not value:
            raise Skip(f"needs {what} from an earlier step")
        return value

    # ---- browser helpers ----

    def start_browser(self):
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
        for arg in ("--no-sandbox", "--headless=new", "--window-size=1280,1000", "--disable-dev-shm-usage",
                    "--disable-gpu", "--no-first-run", "--lang=en-US"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(30)

    def find(self, css, within=None):
        return WebDriverWait(within or self.driver, WAIT).until(lambda _: (within or self.driver).find_element(By.CSS_SELECTOR, css))

    def finds(self, css, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        elements = self.finds(css)
        return elements[0].text.strip() if elements else ""

    def path(self):
        return urllib.parse.urlparse(self.driver.current_url).path

    def eventually(self, condition, seconds=5):
        """Whether `condition()` becomes true within `seconds` (for changes made by the page's script)."""
        try:
            return WebDriverWait(self.driver, seconds, poll_frequency=0.1).until(lambda _: condition())
        except TimeoutException:
            return False

    def wait_loaded(self):
        WebDriverWait(self.driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def navigating(self, action):
        """Runs `action` (a click or submit that loads a new page) and waits for the new page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        action()
        WebDriverWait(self.driver, WAIT).until(lambda _: self.gone(old))
        self.wait_loaded()

    @staticmethod
    def gone(element):
        """Whether `element` left the document. Chromium reports a node of the page being replaced either as stale
        or, mid-navigation, as "Node with given id does not belong to the document": both mean gone."""
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True

    def click(self, css_or_element):
        element = self.find(css_or_element) if isinstance(css_or_element, str) else css_or_element
        self.navigating(element.click)

    def open(self, path):
        self.driver.get(self.url + path)
        self.wait_loaded()

    def fill(self, css, value):
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def notice(self):
        return self.text(".notice.ok")

    def error(self):
        return self.text(".notice.error")

    def shot(self, name):
        """A full-page screenshot as .build/screenshots/NN-name.png."""
        self.shot_number += 1
        path = os.path.join(self.shots, f"{self.shot_number:02d}-{name}.png")
        d = self.driver
        try:
            size = d.execute_script(
                "return [document.documentElement.scrollWidth, Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)]")
            data = d.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size[0], "height": min(size[1], 8000), "scale": 1}})
            with open(path, "wb") as f:
                f.write(base64.b64decode(data["data"]))
        except WebDriverException:
            d.save_screenshot(path)
        self.collect_js_errors(name)
        return path

    def collect_js_errors(self, page):
        try:
            entries = self.driver.get_log("browser")
        except WebDriverException:
            return
        for e in entries:
            message = e.get("message", "")
            if e.get("level") != "SEVERE" or "favicon.ico" in message:
                continue
            # A page answered with an error status (404 error page, 401 on a wrong password) is logged as a failed
            # resource too; only the console's own assets count here, with every script error.
            if "Failed to load resource" in message and "/console/static/" not in message:
                continue
            self.js_errors.append(f"{page}: {message}")

    def page_checks(self, name, h1=None):
        """Screenshot, then the checks every page gets: an <h1> (with the expected text), labelled form fields,
        unique ids, no sideways scrolling at 1280 px."""
        self.shot(name)
        headings = [h.text.strip() for h in self.finds("h1")]
        if h1 is None:
            self.check(f"{name}: has one <h1>", len(headings) == 1 and headings[0], f"h1s: {headings}")
        else:
            self.check(f"{name}: <h1> is '{h1}'", headings == [h1], f"h1s: {headings}")
        unlabelled = self.driver.execute_script(UNLABELLED_JS)
        self.check(f"{name}: every input/select has a label", not unlabelled, "; ".join(unlabelled))
        duplicates = self.driver.execute_script(DUPLICATE_IDS_JS)
        self.check(f"{name}: ids are unique", not duplicates, ", ".join(duplicates))
        overflow = self.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.check(f"{name}: no horizontal overflow at 1280px", overflow <= 0, f"{overflow}px wider than the window")
        # Informational, not counted: a fact shown with no value (a Mustache section on an empty string renders).
        empty = self.driver.execute_script(EMPTY_FACTS_JS)
        if empty:
            print(f"NOTE {name}: facts shown with no value: {', '.join(empty)}", flush=True)

    # ---- SCIM client (acting as Okta) ----

    def scim(self, method, path, body=None):
        base, username, secret = self.need(self.credentials, "provider credentials")
        token = base64.b64encode(f"{username}:{secret}".encode()).decode()
        request = urllib.request.Request(
            base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Basic {token}", "Content-Type": "application/scim+json",
                     "Accept": "application/scim+json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw)
            except ValueError:
                return error.code, {"raw": raw.decode(errors="replace")}

    # ---- the flow ----

    def signed_out_redirect(self):
        self.open("/console/providers")
        self.check("signed out, /console/providers redirects to sign-in",
                   self.path() == "/console/sign-in" and "next=" in self.driver.current_url, self.driver.current_url)
        self.page_checks("sign-in-signed-out", h1="Sign in")

    def first_admin(self):
        link = None
        deadline = time.time() + 10
        while time.time() < deadline and not link:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                m = re.search(r"No admin yet\. Create the first one at (\S+/console/setup\?token=[^\s)]+)", f.read())
            link = m.group(1) if m else None
            if not link:
                time.sleep(0.2)
        self.check("server log prints the one-time setup link", link)
        self.need(link, "the setup link")
        self.check("setup link uses the public URL", link.startswith(self.url + "/console/setup?token="), link)
        self.open("/console/setup?token=wrong")
        self.check("a wrong setup token is refused", "not valid" in self.text("h1"), self.text("h1"))
        self.driver.get(link)
        self.wait_loaded()
        self.page_checks("setup", h1="Create the first admin")
        self.fill("#email", ADMIN_EMAIL)
        self.fill("#password", ADMIN_PASSWORD)
        self.click("main form button[type=submit]")
        self.check("setup lands on Provisioning providers", self.text("h1") == "Provisioning providers",
                   f"{self.path()} h1={self.text('h1')!r} error={self.error()!r}")
        self.check("setup shows a welcome notice", "first admin" in self.notice(), self.notice())
        self.check("header shows the signed-in admin", ADMIN_EMAIL in self.text(".who"), self.text(".who"))
        self.page_checks("providers-empty", h1="Provisioning providers")
        self.driver.get(link)
        self.wait_loaded()
        self.check("the setup link works only once", "not valid" in self.text("h1"), self.text("h1"))

    def sign_out_and_in(self):
        self.open("/console/providers")
        self.click(".who form button[type=submit]")
        self.check("sign out lands on the sign-in page", self.path() == "/console/sign-in", self.driver.current_url)
        self.open("/console/users")
        self.check("signed out again: pages redirect to sign-in",
                   self.path() == "/console/sign-in" and "next=" in self.driver.current_url, self.driver.current_url)
        self.fill("#email", ADMIN_EMAIL)
        self.fill("#password", "not the password")
        self.click("main form button[type=submit]")
        self.check("a wrong password shows an error", self.error() != "", f"h1={self.text('h1')!r}")
        self.check("a wrong password keeps the email", self.find("#email").get_attribute("value") == ADMIN_EMAIL)
        self.page_checks("sign-in-wrong-password", h1="Sign in")
        self.fill("#password", ADMIN_PASSWORD)
        self.click("main form button[type=submit]")
        self.check("signing in goes back to the page asked for (Users)", self.path() == "/console/users",
                   f"{self.driver.current_url} error={self.error()!r}")
        self.check("signed in: header shows the admin", ADMIN_EMAIL in self.text(".who"), self.text(".who"))

    def add_provider(self):
        self.open("/console/providers")
        self.click("main a[href='/console/providers/new']")
        self.page_checks("provider-new", h1="Add provisioning provider")
        self.fill("#name", "Okta")
        self.click("main form button[type=submit]")
        self.check("credentials page after adding", self.text("h1") == "Okta: API credentials",
                   f"h1={self.text('h1')!r} error={self.error()!r}")
        base, username, secret = (self.text("#cred-base-url"), self.text("#cred-username"), self.text("#cred-secret"))
        self.check("Base URL is /scim/ID/v2 under the public URL",
                   re.fullmatch(re.escape(self.url) + r"/scim/[^/\s]+/v2", base), base)
        self.check("username shown", username != "")
        self.check("secret shown", len(secret) >= 16, f"{len(secret)} characters")
        for target in ("cred-base-url", "cred-username", "cred-secret"):
            self.check(f"copy button for {target}", self.finds(f"button[data-copy='{target}']"))
        copy = self.finds("button[data-copy='cred-secret']")
        if copy:
            copy[0].click()
            copied = self.eventually(lambda: copy[0].text.startswith("Copied") or self.driver.execute_script(
                "return window.getSelection().toString().trim()") == secret, 3)
            self.check("clicking Copy copies the secret (or selects it)", copied, copy[0].text)
        self.page_checks("provider-credentials", h1="Okta: API credentials")
        if base and username and secret:
            self.credentials = (base, username, secret)
        self.click("#done")
        self.check("Done opens the provider page", self.text("h1") == "Okta", f"h1={self.text('h1')!r}")
        self.provider_url = self.path()
        self.page_checks("provider", h1="Okta")

    def push_over_scim(self):
        self.need(self.credentials, "provider credentials")
        for given, family, email in (("Ann", "Lee", "ann@example.com"), ("Bob", "Ray", "bob@example.com")):
            status, body = self.scim("POST", "/Users", {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email,
                "name": {"givenName": given, "familyName": family},
                "emails": [{"value": email, "primary": True, "type": "work"}], "active": True})
            self.check(f"SCIM POST /Users {email}: 201", status == 201 and body.get("id"), f"{status} {body}")
            if body.get("id"):
                self.ids[email] = body["id"]
        ann = self.need(self.ids.get("ann@example.com"), "ann's SCIM id")
        status, body = self.scim("POST", "/Groups", {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Security",
            "members": [{"value": ann}]})
        self.check("SCIM POST /Groups Security: 201", status == 201 and body.get("id"), f"{status} {body}")
        self.check("group has ann as member", [m.get("value") for m in body.get("members", [])] == [ann],
                   json.dumps(body.get("members")))
        status, _ = self.scim("GET", "/Users?count=1")
        self.check("SCIM GET /Users works with these credentials", status == 200, str(status))

    def role_mapping(self):
        self.open(self.need(self.provider_url, "the provider page"))
        groups = self.text("section[aria-labelledby=groups] table")
        self.check("provider page lists SCIM group Security with 1 member", re.search(r"Security\s+1", groups), groups)
        section = self.find("section[aria-labelledby=rolemap]")
        summary = self.find("details summary", within=section)
        self.check("role mapping: 'Add mapping' disclosure", summary.text.strip().startswith("Add mapping"), summary.text)
        summary.click()
        self.check("'Add mapping' opens", self.find("details", within=section).get_attribute("open") is not None)
        self.shot("provider-add-mapping-open")
        Select(self.find("#role-rule-group")).select_by_visible_text("Security")
        roles = Select(self.find("#role-rule-roles"))
        self.check("roles select is multiple", roles.is_multiple)
        roles.select_by_visible_text("Security Administrator")
        self.click(self.find("form[action$='/role-rules'] button[type=submit]"))
        self.check("mapping added notice", "Mapped 'Security' to Security Administrator" in self.notice(),
                   f"notice={self.notice()!r} error={self.error()!r}")
        rules = self.text("section[aria-labelledby=rolemap] table")
        self.check("role mapping table lists Security → Security Administrator",
                   re.search(r"Security\s+Security Administrator", rules), rules)
        self.check("#role-mapping-message says all groups are mapped",
                   self.text("#role-mapping-message") == "All SCIM groups are mapped", self.text("#role-mapping-message"))
        self.check("no 'Add mapping' once every group is mapped",
                   not self.finds("section[aria-labelledby=rolemap] details"))
        self.page_checks("provider-role-mapped", h1="Okta")

    def apply_settings(self):
        self.open(self.need(self.provider_url, "the provider page"))
        self.click("a[href$='/apply']")
        self.page_checks("provider-apply-preview", h1="Apply org and role settings")
        rows = {r.find_elements(By.TAG_NAME, "td")[0].text: [c.text for c in r.find_elements(By.TAG_NAME, "td")]
                for r in self.finds("main table tbody tr")}
        ann = rows.get("ann@example.com")
        self.check("preview lists ann@example.com", ann, f"rows: {list(rows)}")
        self.check("ann's preview row is a role change to Security Administrator",
                   ann and "→" in ann[2] and "Security Administrator" in ann[2].split("→")[-1], str(ann))
        self.check("preview leaves bob alone", "bob@example.com" not in rows, str(rows.get("bob@example.com")))
        counts = dict(zip([e.text for e in self.finds("#preview-counts dt")], [e.text for e in self.finds("#preview-counts dd")]))
        self.check("preview counts 1 role change", counts.get("Role changes") == "1", str(counts))
        self.click("#confirm-apply")
        self.check("back on the provider page after applying", self.path() == self.provider_url, self.path())
        self.check("a notice says it applied", self.notice().startswith("Applied org and role settings"),
                   f"notice={self.notice()!r} error={self.error()!r}")
        self.check("the notice counts 1 role change", "1 role changes" in self.notice(), self.notice())
        self.shot("provider-applied")
        self.click("a[href$='/apply']")
        self.check("applying again: nothing left to change", "already where the mappings put them" in self.text("main"))

    def ann_page(self):
        self.click("nav[aria-label=Main] a[href='/console/users']")
        self.check("nav marks Users as current",
                   self.find("nav[aria-label=Main] a[href='/console/users']").get_attribute("aria-current") == "page")
        self.page_checks("users", h1="Users")
        self.check("users list shows both users", "2 user(s)" in self.text("#user-count"), self.text("#user-count"))
        self.fill("#q", "ann")
        self.click("form[role=search] button[type=submit]")
        self.check("search 'ann' finds one user", self.text("#user-count") == "1 user(s) match.", self.text("#user-count"))
        links = [a.text for a in self.finds("main table tbody a")]
        self.check("search result is ann@example.com", links == ["ann@example.com"], str(links))
        self.page_checks("users-search-ann", h1="Users")
        self.click(self.driver.find_element(By.LINK_TEXT, "ann@example.com"))
        self.check("ann's page", self.text("h1") == "ann@example.com", self.text("h1"))
        self.check("#user-roles has Security Administrator", "Security Administrator" in self.text("#user-roles"),
                   self.text("#user-roles"))
        actions = [s.text for s in self.finds("#timeline li strong")]
        self.check("#timeline has a roles-changed entry", "roles-changed" in actions, str(actions))
        self.check("ann is active", self.text("#user-status") == "active", self.text("#user-status"))
        self.page_checks("user-ann", h1="ann@example.com")

    def deactivate_bob(self):
        self.open("/console/users?q=bob")
        self.click(self.driver.find_element(By.LINK_TEXT, "bob@example.com"))
        self.check("bob's page", self.text("h1") == "bob@example.com", self.text("h1"))
        self.check("bob is active", self.text("#user-status") == "active", self.text("#user-status"))
        self.page_checks("user-bob", h1="bob@example.com")
        self.find("form[action$='/deactivate'] input[name=confirm]").click()
        # Dismissing the confirm() dialog leaves bob alone: no new page within a second, still active.
        page = self.driver.find_element(By.TAG_NAME, "html")
        self.find("#deactivate").click()
        try:
            alert = WebDriverWait(self.driver, 5).until(EC.alert_is_present())
        except TimeoutException:
            self.check("deactivate asks for confirmation (JS confirm)", False,
                       f"no dialog; now at {self.path()} status={self.text('#user-status')!r}")
            raise Skip("no confirmation dialog to accept or dismiss") from None
        self.check("deactivate asks for confirmation (JS confirm)", "Deactivate bob@example.com now?" in alert.text, alert.text)
        alert.dismiss()
        navigated = self.eventually(lambda: self.gone(page), 1)
        self.check("dismissing the dialog changes nothing",
                   not navigated and self.text("#user-status") == "active",
                   f"navigated={navigated} status={self.text('#user-status')!r}")
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.find("#deactivate").click()
        WebDriverWait(self.driver, WAIT).until(EC.alert_is_present()).accept()
        WebDriverWait(self.driver, WAIT).until(lambda _: self.gone(old))
        self.wait_loaded()
        self.check("#user-status shows deactivated", self.text("#user-status") == "deactivated",
                   f"status={self.text('#user-status')!r} error={self.error()!r}")
        self.check("deactivation notice", "is deactivated" in self.notice(), self.notice())
        actions = [s.text for s in self.finds("#timeline li strong")]
        self.check("bob's timeline records the deactivation", any("deactivat" in a for a in actions), str(actions))
        self.page_checks("user-bob-deactivated", h1="bob@example.com")
        # SCIM `active` is what the provider last sent (docs/lifecycle.md), so an admin's deactivation leaves it.
        status, body = self.scim("GET", f"/Users/{self.ids.get('bob@example.com', '')}")
        self.check("SCIM still shows bob as the provider sent him (active)", status == 200 and body.get("active") is True,
                   f"{status} active={body.get('active')}")

    def directory_pages(self):
        for label, href, slug, nav in (("Organizations", "/console/organizations", "organizations", True),
                                       ("Watchlists", "/console/watchlists", "watchlists", True),
                                       ("Legal holds", "/console/legal-holds", "legal-holds", True),
                                       ("Sync log", "/console/sync-log", "sync-log", True),
                                       ("Settings", "/console/settings", "settings", True)):
            try:
                self.click(f"nav[aria-label=Main] a[href='{href}']")
                self.check(f"{label}: nav link opens {href}", self.path() == href, self.path())
                self.check(f"{label}: nav marks it current",
                           self.find(f"nav[aria-label=Main] a[href='{href}']").get_attribute("aria-current") == "page")
                if slug == "sync-log":  # let the live-update stream connect
                    self.eventually(lambda: "Live" in self.text("#live-status"))
                self.page_checks(slug, h1=label)
                if slug == "organizations":
                    self.check("Organizations lists the default organization", self.finds("main table tbody tr"))
                if slug == "sync-log":
                    log = self.text("main table tbody")
                    self.check("Sync log lists the role change and the deactivation",
                               "roles-changed" in log and "deactivat" in log, log[:300])
                    self.check("Sync log live status connected", "Live" in self.text("#live-status"), self.text("#live-status"))
            except Exception as error:  # noqa: BLE001 - one page failing does not skip the others
                self.check(f"{label}: page loads", False, f"{type(error).__name__}: {error}")

    def bars(self, kind):
        return self.driver.execute_script(
            "const s = document.getElementById('chart-' + arguments[0]);"
            " return s ? s.querySelectorAll('rect.bar').length : -1;", kind)

    def inspector_and_charts(self):
        """The provider's activity charts and Requests tab, one request's bodies beside its changes (the password
        sent with a SCIM create redacted), the Overview page's charts, the two-hour view, and the Report page."""
        status, _ = self.scim("POST", "/Users", {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "dora@example.com",
            "name": {"givenName": "Dora", "familyName": "Diaz"}, "active": True, "password": "Sup3r-s3cret!"})
        self.check("SCIM create with a password: 201", status == 201, str(status))
        self.scim("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                    "userName": "dora@example.com"})  # a 409 for the failure filter
        time.sleep(2.5)  # the recorder writes every 2 s
        provider = self.need(self.provider_url, "the provider page")
        self.open(provider)
        self.page_checks("provider-activity", h1="Okta")
        charts = self.finds("svg.chart")
        self.check("provider page: six activity charts", len(charts) == 6, str(len(charts)))
        self.check("provider page: 168 hourly bars in the Created chart", self.bars("created") == 168,
                   str(self.bars("created")))
        title = self.driver.execute_script(
            "return document.querySelector('#chart-created > title').textContent")
        self.check("the Created chart's title gives its total", "Created:" in title and "last 7 days" in title, title)
        self.click("nav.tabs a[href$='/requests']")
        self.page_checks("requests", h1="Okta")
        rows = self.finds("#requests tbody tr")
        self.check("Requests tab lists the provider's requests", len(rows) >= 5, str(len(rows)))
        self.check("Requests tab shows the conflict", "409" in self.text("#requests"), self.text("#requests")[:200])
        Select(self.find("#f-status")).select_by_value("failed")
        self.click("form[aria-label='Filter the requests'] button[type=submit]")
        statuses = [r.find_elements(By.CSS_SELECTOR, "td")[2].text for r in self.finds("#requests tbody tr")]
        self.check("the Failed filter keeps only failures",
                   statuses and all(s[:1] in "45" for s in statuses), ", ".join(statuses))
        self.open(provider + "/requests?user=dora%40example.com&status=2xx")
        self.click("#requests tbody tr a")
        self.page_checks("request", h1=None)
        sent = self.text("#request-body")
        self.check("the request's body is shown, its password redacted",
                   "dora@example.com" in sent and "[redacted]" in sent and "Sup3r-s3cret!" not in sent, sent[:300])
        self.check("the request's sync-log entries are beside it", "created" in self.text("#changes-table"),
                   self.text("#changes")[:200])
        self.click("nav[aria-label=Main] a[href='/console/overview']")
        self.page_checks("overview", h1="Overview")
        self.check("Overview: six charts of 168 bars",
                   len(self.finds("svg.chart")) == 6 and all(self.bars(k) == 168 for k in
                   ("created", "updated", "deactivated", "reactivated", "refused", "rejected")))
        self.click("a[href='/console/overview?range=2h']")
        self.check("the two-hour view has 120 bars a chart", self.bars("created") == 120, str(self.bars("created")))
        self.find("details summary").click()  # opens in place: no page load
        self.check("the table view lists the minutes with activity", self.finds("#activity-table tbody tr"))
        self.click("nav[aria-label=Main] a[href='/console/report']")
        self.page_checks("report", h1="Provisioning report")
        counts = self.text("#report-counts")
        self.check("Report counts the day's creates", "created" in counts, counts[:200])
        self.check("Report has a Print button", self.finds("button[data-print]"))

    def revert(self):
        """Undo a bad push from the console: the provider page links to the revert, the preview counts what comes
        back and lists who is left alone, advises pausing first, and the confirmed revert reactivates the user."""
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        time.sleep(1.1)
        dora = self.need(self.ids.get("dora@example.com") or self.find_user_id("dora@example.com"), "dora's id")
        status, _ = self.scim("PATCH", f"/Users/{dora}", {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": False, "title": "Gone"}}]})
        self.check("the bad push: dora deactivated over SCIM", status == 200, str(status))
        status, _ = self.scim("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                               "userName": "erin@example.com"})
        self.check("a user created in the period", status == 201, str(status))
        self.open(self.need(self.provider_url, "the provider page"))
        self.click("#revert-link")
        self.page_checks("revert", h1="Revert Okta's changes")
        self.check("the revert page says the IdP wins and offers to pause first",
                   "source of truth" in self.text("#revert-advice") and self.finds("#revert-pause"),
                   self.text("#revert-advice")[:200])
        self.fill("#revert-since", since)
        self.click("#revert-preview")
        self.page_checks("revert-preview", h1="Revert Okta's changes")
        reactivated = self.text("[data-count=reactivated]")
        self.check("the preview counts one reactivation", reactivated == "1", reactivated)
        users = self.text("#revert-users")
        self.check("the preview lists dora with what comes back", "dora@example.com" in users and "title" in users,
                   users[:200])
        self.check("the preview lists the new user as left alone", "erin@example.com" in self.text("#revert-left-alone"),
                   self.text("#revert-left-alone")[:200])
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.find("#confirm-revert").click()
        WebDriverWait(self.driver, WAIT).until(EC.alert_is_present()).accept()
        WebDriverWait(self.driver, WAIT).until(lambda _: self.gone(old))
        self.wait_loaded()
        self.check("the revert's notice", "Reverted: 1 user restored (1 reactivated)" in self.notice(), self.notice())
        status, body = self.scim("GET", f"/Users/{dora}")
        self.check("dora is active again, her title gone", status == 200 and body.get("active", True) is True
                   and "title" not in body, json.dumps(body)[:200])

    def find_user_id(self, user_name):
        status, body = self.scim("GET", f'/Users?filter=userName%20eq%20%22{user_name}%22')
        resources = body.get("Resources") or [{}]
        return resources[0].get("id") if status == 200 else None

    def keyboard(self):
        self.open("/console/providers")
        self.click(".who form button[type=submit]")
        self.open("/console/sign-in")
        active = self.driver.switch_to.active_element
        self.check("sign-in page focuses the email field (autofocus)", active.get_attribute("id") == "email",
                   active.get_attribute("outerHTML")[:80])
        # From the page start: focus on the document itself, then one Tab.
        self.driver.execute_script(
            "document.activeElement && document.activeElement.blur();"
            "document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex');")
        self.driver.switch_to.active_element.send_keys(Keys.TAB)
        active = self.driver.switch_to.active_element
        on_skip = active.tag_name == "a" and active.text.strip() == "Skip to content" and (
            active.get_attribute("href") or "").endswith("#main")
        self.check("first Tab from the page start focuses 'Skip to content'", on_skip,
                   f"focused: {active.get_attribute('outerHTML')[:100]}")
        rect = self.driver.execute_script(
            "const r = document.activeElement.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]")
        self.check("focused skip link is visible on screen", on_skip and rect[0] >= 0 and rect[1] >= 0 and rect[2] > 0,
                   f"rect {rect}")
        self.shot("sign-in-skip-link-focused")
        active.send_keys(Keys.ENTER)
        self.check("Enter on the skip link moves focus to <main>",
                   self.eventually(lambda: self.driver.switch_to.active_element.get_attribute("id") == "main", 2),
                   self.driver.switch_to.active_element.get_attribute("outerHTML")[:80])
        self.driver.switch_to.active_element.send_keys(Keys.TAB)
        self.check("then Tab reaches the email field",
                   self.driver.switch_to.active_element.get_attribute("id") == "email",
                   self.driver.switch_to.active_element.get_attribute("outerHTML")[:80])

    def narrow_screens(self):
        """Phone-width screenshots for a person to look at (informational: only a page error fails)."""
        self.open("/console/sign-in")
        self.fill("#email", ADMIN_EMAIL)
        self.fill("#password", ADMIN_PASSWORD)
        self.click("main form button[type=submit]")
        self.driver.set_window_size(390, 844)
        try:
            for path, name in ((self.provider_url or "/console/providers", "narrow-provider"),
                               ("/console/users", "narrow-users"), ("/console/sync-log", "narrow-sync-log")):
                self.open(path)
                time.sleep(0.2)
                self.shot(name)
                overflow = self.driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if overflow > 0:
                    print(f"NOTE {name}: {overflow}px horizontal overflow at 390px width")
        finally:
            self.driver.set_window_size(1280, 1000)

    def run(self):
        os.makedirs(self.shots, exist_ok=True)
        for old in os.listdir(self.shots):
            if old.endswith(".png"):
                os.remove(os.path.join(self.shots, old))
        try:
            self.start_browser()
        except Exception as error:  # noqa: BLE001
            self.check("start headless Chromium", False, f"{type(error).__name__}: {error}")
            return
        try:
            self.step("signed out redirect", self.signed_out_redirect)
            self.step("first admin", self.first_admin)
            self.step("sign out and in", self.sign_out_and_in)
            self.step("add provider", self.add_provider)
            self.step("SCIM as Okta", self.push_over_scim)
            self.step("role mapping", self.role_mapping)
            self.step("apply settings", self.apply_settings)
            self.step("ann's page", self.ann_page)
            self.step("deactivate bob", self.deactivate_bob)
            self.step("directory pages", self.directory_pages)
            self.step("inspector and charts", self.inspector_and_charts)
            self.step("revert", self.revert)
            self.step("keyboard", self.keyboard)
            self.step("narrow screens", self.narrow_screens)
            self.collect_js_errors("end")
            self.check("no JavaScript errors in the browser console", not self.js_errors, " | ".join(self.js_errors))
        finally:
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="the server's public URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--log", required=True, help="the server's log file (for the one-time setup link)")
    parser.add_argument("--screenshots", default=".build/screenshots")
    args = parser.parse_args()
    started = time.time()
    test = BrowserTest(args.url, args.log, args.screenshots)
    try:
        test.run()
    except Exception as error:  # noqa: BLE001 - still print the summary
        test.check("browser test ran to the end", False, f"{type(error).__name__}: {error}")
        traceback.print_exc()
    print(f"{test.shot_number} screenshots in {args.screenshots}; {time.time() - started:.1f}s")
    if test.failures:
        print("failed: " + "; ".join(test.failures))
    print(f"browser: {test.passed} passed, {test.failed} failed", flush=True)
    sys.exit(1 if test.failed else 0)


if __name__ == "__main__":
    main()
