import Testing
@testable import ClinicalModel

@Suite struct TimeRangeTests {
    @Test func partialFHIRDatesAreRanges() throws {
        let year = try #require(TimeRange.parseFHIR("2020"))
        #expect(year.start.dateString == "2020-01-01")
        #expect(year.last.dateString == "2020-12-31")
        let month = try #require(TimeRange.parseFHIR("2024-02"))
        #expect(month.last.dateString == "2024-02-29")
        let day = try #require(TimeRange.parseFHIR("2021-03-04"))
        #expect(day.start.dateString == "2021-03-04" && day.last.dateString == "2021-03-04")
    }

    /// FHIR requires a zone with a time; exports without one are read as UTC rather than dropped.
    @Test func aTimeWithoutAZoneIsReadAsUTC() throws {
        let t = try #require(TimeRange.parseFHIR("2021-03-04T10:00:00"))
        #expect(t.start.seconds == Instant(year: 2021, month: 3, day: 4).seconds + 36_000)
    }

    /// DESIGN: a date is compared as the calendar date on which it was recorded, never shifted to UTC.
    @Test func dateTimesKeepTheCalendarDateOfTheirOwnOffset() throws {
        let t = try #require(TimeRange.parseFHIR("2021-03-04T23:30:00-05:00"))
        #expect(t.start.dateString == "2021-03-04")
        #expect(t.start.seconds == Instant(year: 2021, month: 3, day: 4).seconds + 23 * 3600 + 30 * 60)
        let early = try #require(TimeRange.parseFHIR("2021-03-05T00:10:00+09:00"))
        #expect(early.start.dateString == "2021-03-05")
        let z = try #require(TimeRange.parseFHIR("2021-03-04T10:00:00.123Z"))
        #expect(z.start.seconds == Instant(year: 2021, month: 3, day: 4).seconds + 36_000)
    }

    @Test func malformedDatesAreRejected() {
        for bad in ["20", "2021-13", "2021-02-30", "2021-03-04T25:00:00Z", "2021-03-04T10", "yesterday", "2021-03-04T10:00:00+1"] {
            #expect(TimeRange.parseFHIR(bad) == nil, "\(bad)")
        }
    }

    @Test func hl7TimestampsKeepTheirPrecision() throws {
        #expect(try #require(TimeRange.parseHL7("2019")).last.dateString == "2019-12-31")
        #expect(try #require(TimeRange.parseHL7("201903")).last.dateString == "2019-03-31")
        let minute = try #require(TimeRange.parseHL7("201903041230+0100"))
        #expect(minute.start.seconds == Instant(year: 2019, month: 3, day: 4).seconds + 12 * 3600 + 30 * 60)
        #expect(try #require(TimeRange.parseHL7("201903042340-0400")).start.dateString == "2019-03-04")
        #expect(minute.end.seconds - minute.start.seconds == 60)
        #expect(TimeRange.parseHL7("20190304123005.123-0500") != nil)
        #expect(TimeRange.parseHL7("2019-03-04") == nil)
    }

    @Test func civilDateArithmeticRoundTrips() {
        for days in [-800_000, -1, 0, 1, 11_016, 19_000, 2_932_896] {
            let (y, m, d) = Instant.civil(fromDays: days)
            #expect(Instant.daysFromCivil(year: y, month: m, day: d) == days)
        }
        #expect(Instant(seconds: -1).day == -1)
    }
}
