"""The customer page: profile, sessions, coupons, loyalty, referrals, giveaways, achievements
and audiences of one profile, loaded in parallel, each section failing on its own."""
