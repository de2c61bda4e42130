"""Coupons area: a coupon and its reservations (/coupons/<code>), bulk reservations, and the
goodwill coupon widget of the customer page."""
