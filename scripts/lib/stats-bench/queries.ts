/** The questions an administrator asks, as GET /api/stats query strings, with what each exercises. */
export const STATS_QUESTIONS: ReadonlyArray<{ name: string; query: string }> = [
  { name: 'calendar month, province, by facility', query: 'month=2026-10&by=facility' },
  { name: 'reporting month 10th→9th, by facility', query: 'month=2026-10&monthStart=10&by=facility' },
  { name: 'year by month (time series)', query: 'from=2025-11-01&to=2026-10-31&by=month' },
  { name: 'month by day (time series)', query: 'month=2026-10&by=day' },
  { name: 'month before the reform, by old district', query: 'month=2025-03&by=district' },
  { name: '2026 month by new commune', query: 'month=2026-10&by=commune' },
  { name: 'one province, a year, by facility', query: 'from=2025-11-01&to=2026-10-31&province=46&by=facility' },
  { name: 'one facility, a year, by month', query: 'from=2025-11-01&to=2026-10-31&facility=46002&by=month' },
  { name: 'date of service, month, by format', query: 'month=2026-10&basis=service&by=format' },
  { name: 'immunization, 23 months, by province', query: 'from=2025-01-01&to=2026-11-30&kind=immunization&by=province' },
];
