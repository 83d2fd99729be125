"""Operations: configuration, reports, the daily job, the upkeep service and its health."""
