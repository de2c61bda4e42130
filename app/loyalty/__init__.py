"""Loyalty programs and cards: the programs page and card search, the card page (status, user
limit, linked profiles, balances, chart, unused points, transactions), link / unlink /
generate, and a profile's page in a profile-based program.

    routes.py    thin views            cards.py     programs, cards, link rules
    ledger.py    a card or a profile's ledger, one interface for both
    sections.py  the page sections, read together or one by one
    chart.py     the balance-over-time SVG geometry
"""
