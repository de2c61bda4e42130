"""The demo's people and products: deterministic names, cities, birthdays and a small catalog."""
from __future__ import annotations

import random

FIRST_NAMES = ["Alice", "Bruno", "Clara", "David", "Elena", "Felix", "Greta", "Hannes", "Ida", "Jonas",
               "Katrin", "Lukas", "Mila", "Niklas", "Olga", "Paul", "Quirin", "Rosa", "Stefan", "Tara"]
LAST_NAMES = ["Archer", "Becker", "Chen", "Dietrich", "Engel", "Fischer", "Gruber", "Hoffmann", "Ivanova",
              "Jung", "Keller", "Lang", "Meyer", "Nowak", "Otto", "Peters", "Quast", "Richter", "Schulz",
              "Traore", "Ulrich", "Vogel", "Weber", "Xu", "Yilmaz", "Zimmermann"]
CITIES = ["Berlin", "Munich", "Hamburg", "Cologne", "Leipzig", "Dresden"]
STORES = ["store-berlin", "store-munich", "store-hamburg"]
PROFILE_COUNT = 60

# SKU -> (name, category, price in EUR); the catalog the demo carts draw from.
PRODUCTS = {
    "RUN-100": ("Trail runner", "shoes", 89.90),
    "CITY-200": ("City sneaker", "shoes", 69.90),
    "BOOT-300": ("Leather boot", "shoes", 129.00),
    "TEE-010": ("Organic T-shirt", "shirts", 19.90),
    "HOOD-020": ("Hoodie", "shirts", 49.90),
    "JEANS-030": ("Straight jeans", "trousers", 59.90),
    "SOCK-001": ("Socks, 3 pairs", "accessories", 9.90),
    "CAP-002": ("Baseball cap", "accessories", 24.90),
    "BAG-003": ("Tote bag", "accessories", 14.90),
}


def profile_id(number: int) -> str:
    return f"cust-{number:04d}"


def person(number: int) -> dict:
    """The attributes of profile `number` (1 is Alice Archer, the richest example)."""
    if number == 1:
        first, last, city, birth = "Alice", "Archer", "Berlin", "1988-04-12"
    else:
        first = FIRST_NAMES[(number * 7) % len(FIRST_NAMES)]
        last = LAST_NAMES[(number * 11) % len(LAST_NAMES)]
        city = CITIES[number % len(CITIES)]
        birth = f"{1960 + number % 40}-{1 + number % 12:02d}-{1 + (number * 3) % 28:02d}"
    return {
        "Name": f"{first} {last}",
        "Email": f"{first.lower()}.{last.lower()}@example.com",
        "City": city,
        "BirthDate": f"{birth}T00:00:00Z",
        "Newsletter": number % 3 != 0,
    }


def cart(rng: random.Random, *, lines: int | None = None) -> list[dict]:
    """A cart of 1-4 catalog lines, 1-3 units each."""
    skus = rng.sample(sorted(PRODUCTS), lines or rng.randint(1, 4))
    items = []
    for sku in skus:
        name, category, price = PRODUCTS[sku]
        items.append({"sku": sku, "name": name, "category": category, "price": price,
                      "quantity": rng.randint(1, 3)})
    return items


def line(sku: str, quantity: int = 1) -> dict:
    name, category, price = PRODUCTS[sku]
    return {"sku": sku, "name": name, "category": category, "price": price, "quantity": quantity}
