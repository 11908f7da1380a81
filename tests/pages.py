"""Every public page, for the checks that must hold on all of them (validity,
accessibility, no sideways scroll). Paths assume the demo history of the 2021 plan."""

PUBLIC_PAGES = [
    "/",
    "/plans/2021/?as_of=2021-06-30",
    "/plans/2021/projects/3/",
    "/plans/2021/projects/8/",
    "/plans/2021/projects/10/",
    "/plans/2021/projects/10/sign/",
    "/plans/2021/departments/",
    "/plans/2021/method/",
    "/plans/2021/supervision/",
    "/plans/2021/matters/",
    "/plans/2021/targets/",
    "/plans/2021/targets/?status=overdue&sort=-percent",
    "/plans/2021/bulletins/",
    "/plans/2021/bulletins/2021-06/",
    "/plans/2021/updates/",
    "/data/",
]
