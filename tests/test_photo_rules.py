"""The rules under the photo checks: what a file says about its capture, and when two
photos are the same picture (projects/rules/photos.py), and the search that finds them
among all stored prints (projects/models/photos.py `search`)."""

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image

from projects.models import PhotoPrint, PlanRule
from projects.models.photos import search
from projects.rules import photos
from tests.files import photo_bytes, reused_copy, scene


def capture_of(data):
    with Image.open(io.BytesIO(data)) as image:
        return photos.read_capture(image)


def prints_of(data):
    return photos.fingerprints_of(data)


def test_the_capture_time_and_position_are_read_from_exif():
    capture = capture_of(
        photo_bytes(1, (200, 150), taken=datetime(2021, 6, 20, 9, 30), position=(32.98, 114.02))
    )
    assert capture.taken_at == datetime(2021, 6, 20, 1, 30, tzinfo=UTC)
    assert capture.latitude == pytest.approx(32.98, abs=1e-6)
    assert capture.longitude == pytest.approx(114.02, abs=1e-6)


def test_southern_and_western_positions_are_negative():
    capture = capture_of(photo_bytes(1, (200, 150), position=(-33.86, -70.65)))
    assert capture.latitude == pytest.approx(-33.86, abs=1e-6)
    assert capture.longitude == pytest.approx(-70.65, abs=1e-6)


def test_a_camera_clock_without_offset_is_beijing_time():
    image = scene(1, (200, 150))
    exif = Image.Exif()
    exif[0x8769] = {0x9003: "2021:06:20 09:30:00"}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    taken = capture_of(out.getvalue()).taken_at
    assert taken.utcoffset() == timedelta(hours=8)
    assert taken.astimezone(UTC) == datetime(2021, 6, 20, 1, 30, tzinfo=UTC)


def test_a_stated_offset_is_kept():
    image = scene(1, (200, 150))
    exif = Image.Exif()
    exif[0x8769] = {0x9003: "2021:06:20 09:30:00", 0x9011: "-05:00"}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    assert capture_of(out.getvalue()).taken_at.utcoffset() == -timedelta(hours=5)


@pytest.mark.parametrize(
    "details",
    [
        {0x9003: "not a date"},
        {0x9003: "0000:00:00 00:00:00"},
        {0x9003: 12345},
    ],
)
def test_a_malformed_capture_time_is_no_capture_time(details):
    exif = Image.Exif()
    exif[0x8769] = details
    out = io.BytesIO()
    scene(1, (200, 150)).save(out, format="JPEG", exif=exif)
    assert capture_of(out.getvalue()).taken_at is None


@pytest.mark.parametrize(
    "gps",
    [
        {1: "N", 2: (91.0, 0.0, 0.0), 3: "E", 4: (114.0, 0.0, 0.0)},  # past the pole
        {1: "N", 2: (32.0, 58.0), 3: "E", 4: (114.0, 0.0, 0.0)},  # two parts, not three
        {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)},  # a phone with no fix
        {3: "E", 4: (114.0, 0.0, 0.0)},  # longitude only
    ],
)
def test_an_impossible_or_partial_position_is_no_position(gps):
    exif = Image.Exif()
    exif[0x8825] = gps
    out = io.BytesIO()
    scene(1, (200, 150)).save(out, format="JPEG", exif=exif)
    assert not capture_of(out.getvalue()).has_position


def test_a_photo_without_exif_has_no_capture_data():
    capture = capture_of(photo_bytes(1, (200, 150)))
    assert capture.taken_at is None and not capture.has_position


def test_metres_between_two_points():
    # One minute of latitude is a nautical mile, 1,852 m.
    assert photos.metres_between(32.0, 114.0, 32.0 + 1 / 60, 114.0) == pytest.approx(1853, abs=3)


@pytest.mark.parametrize("side", ["left", "right", "top", "bottom"])
@pytest.mark.parametrize("trim", [0.0, 0.03, 0.05, 0.08, 0.10])
def test_a_resized_reencoded_trimmed_copy_is_the_same_picture(side, trim):
    original = photo_bytes(7, (800, 600))
    copy = reused_copy(original, trim=trim, side=side)
    bits = PlanRule.default(PlanRule.Name.PHOTO_MATCH_BITS)
    assert photos.distance(prints_of(original), prints_of(copy)) <= bits
    # and either way round: the trimmed copy came first
    assert photos.distance(prints_of(copy), prints_of(original)) <= bits


def test_unrelated_pictures_are_not_the_same():
    bits = PlanRule.default(PlanRule.Name.PHOTO_MATCH_BITS)
    pictures = [prints_of(photo_bytes(seed, (400, 300))) for seed in range(12)]
    closest = min(photos.distance(a, b) for i, a in enumerate(pictures) for b in pictures[i + 1 :])
    assert closest > bits


def test_the_index_finds_the_copy_among_others():
    index = photos.PrintIndex()
    stored = {seed: prints_of(photo_bytes(seed, (400, 300))) for seed in range(1, 9)}
    index.add((seed, p.fingerprint, p.variants) for seed, p in stored.items())
    copy = prints_of(reused_copy(photo_bytes(5, (400, 300)), trim=0.1, side="top"))
    assert set(index.near(copy, 10)) == {5}
    assert index.near(copy, 10)[5] == photos.distance(copy, stored[5])


def test_the_index_replaces_a_row_added_again():
    index = photos.PrintIndex()
    first, second = (prints_of(photo_bytes(seed, (400, 300))) for seed in (1, 2))
    index.add([(1, first.fingerprint, first.variants)])
    index.add([(1, second.fingerprint, second.variants)])
    assert len(index) == 1
    assert index.near(first, 10) == {}
    assert index.near(second, 10) == {1: 0}


# The search over the stored prints --------------------------------------------------


def new_item(plan):
    from projects.models import PublicInput

    return PublicInput.objects.create(plan=plan, kind=PublicInput.Kind.QUESTION, text="照片")


@pytest.fixture
def stored(db):
    """A resident's print, each on its own item."""
    from tests.factories import PlanFactory

    plan = PlanFactory()

    def store(data):
        return PhotoPrint.record_public(new_item(plan), prints_of(data))

    return store


def test_a_print_stored_by_another_process_is_found_by_the_next_search(stored):
    first = stored(photo_bytes(3, (400, 300)))
    copy = prints_of(reused_copy(photo_bytes(3, (400, 300))))
    assert set(search(PhotoPrint.Pool.PUBLIC, copy, 10)) == {first.pk}
    # A row written behind this process's back (another worker) is read on the next search.
    later = PhotoPrint.objects.create(
        pool=PhotoPrint.Pool.PUBLIC,
        public_input=new_item(first.public_input.plan),
        fingerprint=first.fingerprint,
        variants=first.variants,
    )
    assert set(search(PhotoPrint.Pool.PUBLIC, copy, 10)) == {first.pk, later.pk}


def test_a_deleted_print_is_never_reported(stored):
    first = stored(photo_bytes(3, (400, 300)))
    copy = prints_of(reused_copy(photo_bytes(3, (400, 300))))
    assert set(search(PhotoPrint.Pool.PUBLIC, copy, 10)) == {first.pk}
    PhotoPrint.objects.filter(pk=first.pk).delete()
    assert search(PhotoPrint.Pool.PUBLIC, copy, 10) == {}


def test_residents_prints_are_matched_among_residents_only(stored):
    stored(photo_bytes(3, (400, 300)))
    copy = prints_of(photo_bytes(3, (400, 300)))
    assert search(PhotoPrint.Pool.OFFICIAL, copy, 10) == {}
    assert len(search(PhotoPrint.Pool.PUBLIC, copy, 10)) == 1


def test_a_second_sending_records_the_match_and_the_first_shows_it(stored):
    first = stored(photo_bytes(3, (400, 300)))
    second = stored(reused_copy(photo_bytes(3, (400, 300)), trim=0.1, side="left"))
    stored(photo_bytes(4, (400, 300)))  # another picture: no match
    first, second = PhotoPrint.objects.with_matches().filter(pk__in=[first.pk, second.pk])
    assert [other.pk for _match, other in second.matched()] == [first.pk]
    assert [other.pk for _match, other in first.matched()] == [second.pk]


def test_a_residents_print_keeps_no_capture_data(stored):
    data = photo_bytes(3, (400, 300), taken=datetime(2026, 11, 20, 9), position=(32.98, 114.02))
    kept = stored(data)
    kept.refresh_from_db()
    assert (kept.taken_at, kept.had_position, kept.band) == (None, False, "")


def test_near_must_stay_below_far_in_a_plans_rules(db):
    from django.core.exceptions import ValidationError

    from tests.factories import PlanFactory

    plan = PlanFactory()
    rule = PlanRule(
        plan=plan,
        name=PlanRule.Name.PHOTO_NEAR_METRES,
        value=1000,
        valid_from=datetime(2026, 12, 1, tzinfo=timezone(timedelta(hours=8))).date(),
        reason="试行",
    )
    with pytest.raises(ValidationError, match="须小于"):
        rule.full_clean()


def test_the_photo_rules_are_in_force_but_no_public_page_counts_them_as_a_change(db):
    from projects.rules import clock
    from tests.factories import PlanFactory

    plan = PlanFactory()
    rules = plan.rules_on(clock.today())
    assert rules.values[PlanRule.Name.PHOTO_FAR_METRES] == 1000
    assert not {rule.name for rule in rules.changes} & PlanRule.STATED_APART


def test_the_same_photo_recorded_again_for_its_item_replaces_its_print_without_a_match(stored):
    data = photo_bytes(3, (400, 300))
    first = stored(data)
    again = PhotoPrint.record_public(first.public_input, prints_of(data))
    assert list(PhotoPrint.objects.values_list("pk", flat=True)) == [again.pk]
    assert again.matches.count() == 0
