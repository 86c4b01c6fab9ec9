"""The platform: building blocks every app uses and none owns (money, channels, CSV files,
dates, text, Redis, logging, environment, health, middleware, durable jobs, locks) and the
registries higher apps fill (demo seeders, overview panels, personal-data copies)."""
