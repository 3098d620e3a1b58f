// A NUL byte or an unpaired UTF-16 surrogate in any input string answers 400 naming the field,
// never a 500 from the database driver, and writes nothing.
import t from "tap";
import { issuePartnerKey } from "../src/domain/partner-keys.js";
import { isStorableText } from "../src/schemas/common.js";
import { buildTestApp } from "./helpers/app.js";

const h = await buildTestApp();
t.teardown(h.close);
const { key } = await issuePartnerKey(h.db.prisma, {
  name: "Acme",
  scopes: ["bookings:write", "bookings:read"],
  returnUrlAllowlist: ["https://partner.example/booked"],
});
const partnerHeaders = { authorization: `Bearer ${key}` };
const bad = { nul: "a\u0000b", "lone high surrogate": "a\ud800b", "lone low surrogate": "\udc00ab" } as const;

t.test("what counts as storable text", async (t) => {
  t.ok(isStorableText("Zoë 👩🏽‍💻 ñ"), "paired surrogates (emoji) and accents are fine");
  t.ok(isStorableText(""));
  for (const [what, value] of Object.entries(bad)) t.notOk(isStorableText(value), what);
  t.notOk(isStorableText("\ud83d"), "a high surrogate at the end");
});

t.test("every free-text field of the public and partner APIs, with each bad character", async (t) => {
  const attempts = () => h.db.prisma.bookingAttempt.count();
  const before = await attempts();
  for (const [what, value] of Object.entries(bad)) {
    const cases = [
      {
        field: "returnUrl",
        res: await h.app.inject({
          method: "POST",
          url: "/v1/booking-attempts",
          headers: h.siteHeaders,
          payload: { builder: "liam", returnUrl: `https://market.example/book?x=${value}` },
        }),
      },
      {
        field: "attemptId",
        res: await h.app.inject({
          method: "POST",
          url: "/v1/bookings",
          headers: h.siteHeaders,
          payload: {
            attemptId: `att_${value}`,
            eventUri: "https://api.calendly.com/scheduled_events/x",
            inviteeUri: "https://api.calendly.com/scheduled_events/x/invitees/y",
          },
        }),
      },
      {
        field: "siteKey",
        res: await h.app.inject({
          url: `/v1/builders/liam/booking-config?siteKey=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, ""))}%00`,
        }),
      },
      {
        field: "siteKey",
        res: await h.app.inject({
          method: "POST",
          url: "/v1/booking-attempts?siteKey=pk%00x",
          headers: { origin: h.siteHeaders.origin! },
          payload: { builder: "liam" },
        }),
      },
      {
        field: "customer.id",
        res: await h.app.inject({
          method: "POST",
          url: "/v1/partner/booking-attempts",
          headers: partnerHeaders,
          payload: { builder: "liam", returnUrl: "https://partner.example/booked", customer: { id: value } },
        }),
      },
      {
        field: "customer.name",
        res: await h.app.inject({
          method: "POST",
          url: "/v1/partner/booking-attempts",
          headers: partnerHeaders,
          payload: {
            builder: "liam",
            returnUrl: "https://partner.example/booked",
            customer: { id: "c1", name: `Zo${value}` },
          },
        }),
      },
      {
        field: "attemptId",
        res: await h.app.inject({
          method: "POST",
          url: "/v1/partner/bookings",
          headers: partnerHeaders,
          payload: {
            attemptId: value,
            eventUri: "https://api.calendly.com/scheduled_events/x",
            inviteeUri: "https://api.calendly.com/scheduled_events/x/invitees/y",
          },
        }),
      },
      {
        field: "cursor",
        res: await h.app.inject({ url: "/v1/partner/bookings?cursor=abc%00", headers: partnerHeaders }),
      },
    ];
    for (const { field, res } of cases) {
      t.equal(res.statusCode, 400, `${what} in ${field}: 400 (${res.body})`);
      t.match(res.json(), { error: "validation_error", field: new RegExp(`(^|\\.)${field.replace(".", "\\.")}$`) });
      t.match(res.json().message, /NUL byte or an unpaired UTF-16 surrogate|must be/, `${what} in ${field}: says why`);
    }
  }
  t.equal(await attempts(), before, "nothing was written");
});
