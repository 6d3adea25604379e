#!/usr/bin/env python3
"""Builds one long Russian document from the how-to pages of the Russian LibreOffice help
(Debian package libreoffice-help-ru): for each section given, every page becomes a chapter
(its title as a heading, on a new page). Paragraphs the translators left in English are
dropped, and pages left with little Russian text are skipped.
Usage: build_ru.py HELP_ROOT OUT.html section...   (HELP_ROOT = .../help/ru/text)"""
import html, pathlib, re, sys

root, out, sections = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
NAMES = {"swriter/guide": "Текстовый документ (Writer)", "scalc/guide": "Электронная таблица (Calc)",
         "simpress/guide": "Презентация (Impress)", "shared/guide": "Общие инструкции"}


def letters(text, pattern):
    return len(re.findall(pattern, text))


def russian(fragment):
    text = re.sub(r"<[^>]*>", "", fragment)
    return letters(text, "[а-яА-ЯёЁ]") >= letters(text, "[a-zA-Z]")


chapters, kept = [], 0
for section in sections:
    chapters.append(f'<h1 style="page-break-before: always">{NAMES.get(section, section)}</h1>')
    for f in sorted((root / section).glob("*.html")):
        s = f.read_text(encoding="utf-8")
        title = html.unescape(re.search(r"<title>(.*?)</title>", s, re.S).group(1)).strip()
        i, j = s.find('<div id="DisplayArea"'), s.find('<div id="SearchFrame">')
        body = s[s.find(">", i) + 1 : j]
        body = re.sub(r'<div class="(embedded|noteicon|howtoget)".*?</div>', "", body, flags=re.S)
        body = re.sub(r"<(img|meta|input|label|br)\b[^>]*>", "", body)
        body = re.sub(r"<a [^>]*>|</a>", "", body)
        body = re.sub(r"<h1\b[^>]*>.*?</h1>", "", body, count=1, flags=re.S)
        body = re.sub(r"<(p|h2|h3)\b[^>]*>.*?</\1>",
                      lambda m: m.group(0) if russian(m.group(0)) else "", body, flags=re.S)
        text = re.sub(r"<[^>]*>", "", body)
        if letters(text, "[а-яА-ЯёЁ]") < 400 or not russian(title):
            continue
        kept += 1
        chapters.append(f'<h2 style="page-break-before: always">{html.escape(title)}</h2>\n{body}')
doc = f"""<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">
<title>LibreOffice 7.4: инструкции</title></head><body>
<h1>LibreOffice 7.4: инструкции пользователя</h1>
<p>Статьи справки LibreOffice на русском языке (разделы с инструкциями), собранные в один документ.</p>
{''.join(chapters)}</body></html>"""
out.write_text(doc, encoding="utf-8")
print(kept, "help pages,", len(doc), "characters")
