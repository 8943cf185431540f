"""Run by tests/security/test_headers.py in its own process (Playwright's sync API cannot share the test
process with the browser tests' session): Debian's Chromium, signed in with a session cookie, loads each
page under the real Content-Security-Policy, uses htmx and the Swagger UI, and reports as JSON on stdout
every CSP violation the browser logged and what the pages showed."""
import json
import sys
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 15_000


def main(base_url: str, session: str, pages: list[str], thread_path: str) -> dict:
    report = {"violations": [], "errors": [], "loaded": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": "sessionid", "value": session, "domain": urlsplit(base_url).hostname,
                              "path": "/"}])
        page = context.new_page()

        def on_console(message):
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
                report["violations"].append({"page": page.url, "text": message.text})

        page.on("console", on_console)
        page.on("pageerror", lambda exc: report["errors"].append({"page": page.url, "text": str(exc)}))

        for path in pages:
            response = page.goto(path, wait_until="networkidle")
            report["loaded"][path] = response.status if response else None

        # htmx: the Markdown preview is an hx-post with the CSRF header from hx-headers.
        page.goto(thread_path, wait_until="networkidle")
        page.fill("#id_body", "**bold** and `code`")
        page.click("details.preview summary")
        page.wait_for_selector("#preview-id_body strong", timeout=TIMEOUT_MS)
        report["preview"] = page.inner_html("#preview-id_body")
        report["htmx_loaded"] = page.evaluate("typeof window.htmx === 'object'")
        report["indicator_style_injected"] = page.evaluate("document.querySelectorAll('style').length")

        # The Swagger UI renders the schema (scripts from the sidecar, the inline init allowed by hash).
        page.goto("/api/docs/", wait_until="networkidle")
        page.wait_for_selector(".swagger-ui .info .title", timeout=TIMEOUT_MS)
        report["swagger_title"] = page.inner_text(".swagger-ui .info .title")
        report["swagger_operations"] = page.locator(".opblock").count()
        browser.close()
    return report


if __name__ == "__main__":
    arguments = json.loads(sys.argv[1])
    print(json.dumps(main(**arguments)))
