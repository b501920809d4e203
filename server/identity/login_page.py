"""The authorization endpoint's login page, in French and English (plain HTML, no script).

`page(...)` renders the form: the authorization request travels in hidden fields, with the
anti-CSRF token that must match the cookie set with the page (double submit: a cross-site form
carries neither the cookie, SameSite=Strict, nor the value)."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

TEXT = {
    "fr": {"title": "ClinicDesk — Connexion", "heading": "Connexion à votre clinique",
           "intro": "L'application ClinicDesk demande l'accès à votre dossier clinique.",
           "username": "Nom d'utilisateur", "password": "Mot de passe",
           "submit": "Se connecter", "other": "English",
           "wrong": "Nom d'utilisateur ou mot de passe incorrect.",
           "throttled": "Trop de tentatives. Réessayez dans {minutes} min.",
           "expired": "Cette page a expiré. Recommencez la connexion depuis ClinicDesk.",
           "bad_request": "Demande de connexion invalide ({detail}). Recommencez depuis "
                          "ClinicDesk."},
    "en": {"title": "ClinicDesk — Sign in", "heading": "Sign in to your clinic",
           "intro": "The ClinicDesk application asks for access to your clinical records.",
           "username": "Username", "password": "Password",
           "submit": "Sign in", "other": "Français",
           "wrong": "Wrong username or password.",
           "throttled": "Too many attempts. Try again in {minutes} min.",
           "expired": "This page has expired. Start signing in again from ClinicDesk.",
           "bad_request": "Invalid sign-in request ({detail}). Start again from ClinicDesk."},
}
STYLE = ("body{font-family:sans-serif;max-width:26em;margin:3em auto;padding:0 1em}"
         "label{display:block;margin-top:1em}input[type=text],input[type=password]"
         "{width:100%;padding:.4em}button{margin-top:1.5em;padding:.5em 1.5em}"
         ".error{color:#a00}")


def language(asked: str | None, accept_language: str) -> str:
    """`fr` or `en`: the one asked, else the browser's first preference, French by default."""
    if asked in TEXT:
        return asked
    first = accept_language.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "fr"


def _shell(lang: str, body: str) -> str:
    t = TEXT[lang]
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width"><title>{t["title"]}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def page(lang: str, fields: dict[str, str], csrf: str, username: str = "",
         error: str = "") -> str:
    t = TEXT[lang]
    other = "en" if lang == "fr" else "fr"
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                     for k, v in fields.items())
    switch = "?" + urlencode({**fields, "lang": other})
    shown = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _shell(lang, (
        f'<p><a href="{escape(switch)}" lang="{other}">{t["other"]}</a></p>'
        f'<h1>{t["heading"]}</h1><p>{t["intro"]}</p>{shown}'
        f'<form method="post" action="authorize">{hidden}'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<label for="username">{t["username"]}</label>'
        f'<input type="text" id="username" name="username" value="{escape(username)}" '
        f'autocomplete="username" required autofocus>'
        f'<label for="password">{t["password"]}</label>'
        f'<input type="password" id="password" name="password" '
        f'autocomplete="current-password" required>'
        f'<button type="submit">{t["submit"]}</button></form>'))


def message(lang: str, key: str, **values: str) -> str:
    """A page with one message and no form (an authorization request that cannot go on)."""
    return _shell(lang, f'<h1>{TEXT[lang]["title"]}</h1><p class="error" role="alert">'
                        f"{escape(TEXT[lang][key].format(**values))}</p>")


def text(lang: str, key: str, **values: str) -> str:
    return TEXT[lang][key].format(**values)
