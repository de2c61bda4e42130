"""Coupons area: a coupon and its reservations (/coupons/<code>) and bulk reservations."""
