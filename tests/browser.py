"""A person's web browser, for tests of the pages the bot's links open: its own cookie jar, and the cookie
rules of today's browsers that matter to sign-in.

- Each `Browser` is one browser on one machine: two of them share nothing, as Mallory's and Kim's do not.
- `Secure` cookies: browsers keep and send them only on secure origins, and count `http://127.0.0.1` and
  `http://localhost` as secure (Chrome 89+, Firefox 75+). The test server listens on plain-http loopback,
  so the jar treats exactly that origin as secure (aiohttp's `treat_as_secure_origin`), and `unsafe=True`
  lets it keep cookies for an IP-address host as a browser does.
- `__Host-` cookies are refused unless `Secure`, `Path=/` and without `Domain` (RFC 6265bis §4.1.3.2).
- `SameSite`: a cross-site POST — a form on another site, such as Microsoft's form_post answer from
  login.microsoftonline.com — carries only cookies marked `SameSite=None`; `Lax` and `Strict` ones (and
  unmarked ones, which browsers treat as `Lax`) stay behind. aiohttp does not model this, so `post(…,
  from_site=…)` does.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from aiohttp import ClientResponse, ClientSession, CookieJar, DummyCookieJar
from yarl import URL


class Browser:
    def __init__(self, site_url: str) -> None:
        self.site = URL(site_url).origin()
        self.jar = CookieJar(unsafe=True, treat_as_secure_origin=self.site)
        self.session = ClientSession(cookie_jar=self.jar)
        self._cross_site = ClientSession(cookie_jar=DummyCookieJar())  # cookies set by hand

    async def close(self) -> None:
        await self.session.close()
        await self._cross_site.close()

    async def get(self, url: str, **kwargs: Any) -> tuple[int, str, str]:
        """A top-level navigation; returns (status, page, Location)."""
        async with self.session.get(url, allow_redirects=False, **kwargs) as response:
            self._enforce_host_prefix(response)
            return response.status, await response.text(), response.headers.get("Location", "")

    async def post(self, url: str, data: dict[str, str], *, from_site: str | None = None,
                   **kwargs: Any) -> tuple[int, str, str]:
        """Submit a form to `url`. `from_site`: the origin of the page the form was on, if not ours."""
        cross_site = from_site is not None and URL(from_site).origin() != URL(url).origin()
        if not cross_site:
            headers = {"Origin": str(self.site), **kwargs.pop("headers", {})}
            async with self.session.post(url, data=data, headers=headers, allow_redirects=False,
                                         **kwargs) as response:
                self._enforce_host_prefix(response)
                return response.status, await response.text(), response.headers.get("Location", "")
        sent = self.cookies_for_cross_site_post(url)
        headers = {"Origin": str(URL(str(from_site)).origin()), **kwargs.pop("headers", {})}
        if sent:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in sent.items())
        async with self._cross_site.post(url, data=data, headers=headers, allow_redirects=False,
                                         **kwargs) as response:
            self.jar.update_cookies(response.cookies, response.url)  # the browser still takes Set-Cookie
            self._enforce_host_prefix(response)
            return response.status, await response.text(), response.headers.get("Location", "")

    def cookies_for_cross_site_post(self, url: str) -> dict[str, str]:
        """What the browser would attach to a POST to `url` submitted from another site."""
        applicable = self.jar.filter_cookies(URL(url))
        return {m.key: m.value for m in self.jar
                if m.key in applicable and m["samesite"].lower() == "none" and m["secure"]}

    def cookie_names(self) -> set[str]:
        return {m.key for m in self.jar}

    def _enforce_host_prefix(self, response: ClientResponse) -> None:
        for header in response.headers.getall("Set-Cookie", []):
            parsed = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if name.startswith("__Host-") and not (morsel["secure"] and morsel["path"] == "/"
                                                       and not morsel["domain"]):
                    self.jar.clear(lambda m, name=name: m.key == name)  # type: ignore[misc]
