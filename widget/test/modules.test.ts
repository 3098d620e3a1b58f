import { expect } from "@esm-bundle/chai";
import { stripReturn } from "../src/booking-result.js";
import { lastSegment, pageHeight, parseMessage, scheduledUris } from "../src/calendly-messages.js";
import { calendlyUrl } from "../src/calendly-url.js";
import { formatMoney } from "../src/format.js";
import { fill, registerLocale, stringsFor } from "../src/i18n/index.js";
import { en } from "../src/index.js";
import { readReturn } from "../src/return-params.js";

describe("calendly-url", () => {
  const base = "https://calendly.com/liam/60min?utm_content=att_1&name=Signed%20In";

  it("adds embed parameters, prefill and tracking without touching the service's parameters", () => {
    const u = new URL(
      calendlyUrl(
        base,
        {
          name: "Other",
          email: "a@example.com",
          utmSource: "s",
          primaryColor: "00ff00",
          prefill: { lastName: "Lovelace", a10: "ten", guests: "x@example.com", date: "2030-03-14" },
        },
        "shop.example",
      ),
    );
    const q = u.searchParams;
    expect(q.get("utm_content")).to.equal("att_1");
    expect(q.get("name")).to.equal("Signed In");
    expect(q.get("email")).to.equal("a@example.com");
    expect(q.get("last_name")).to.equal("Lovelace");
    expect(q.get("a10")).to.equal("ten");
    expect(q.get("guests")).to.equal("x@example.com");
    expect(q.get("date")).to.equal("2030-03-14");
    expect(q.get("utm_source")).to.equal("s");
    expect(q.get("embed_type")).to.equal("Inline");
    expect(q.get("embed_domain")).to.equal("shop.example");
    expect(q.get("hide_gdpr_banner")).to.equal("1");
    expect(q.has("hide_event_type_details")).to.equal(false);
    expect(q.get("primary_color")).to.equal("00ff00");
  });

  it("leaves out what is empty or invalid, and all embed parameters for the direct link", () => {
    const q = new URL(calendlyUrl(base, { email: "", primaryColor: "red" }, "x")).searchParams;
    expect(q.has("email")).to.equal(false);
    expect(q.has("primary_color")).to.equal(false);
    const direct = new URL(calendlyUrl(base, { hideDetails: true, primaryColor: "#123456" })).searchParams;
    expect([...direct.keys()].sort()).to.deep.equal(["name", "utm_content"]);
  });
});

describe("calendly-messages", () => {
  it("accepts only {event: 'calendly.*', payload: {...}}", () => {
    expect(parseMessage({ event: "calendly.page_height", payload: { height: "1px" } })).to.not.equal(undefined);
    for (const bad of [null, undefined, "calendly.x", 42, [], { event: "x.y", payload: {} }, { event: "calendly.x" }]) {
      expect(parseMessage(bad), JSON.stringify(bad)).to.equal(undefined);
    }
    expect(parseMessage({ event: "calendly.x", payload: [1] })).to.equal(undefined);
    expect(parseMessage({ event: 7, payload: {} })).to.equal(undefined);
  });

  it("reads scheduled URIs and their UUIDs, whatever the host", () => {
    const p = {
      event: { uri: "https://api.calendly.com/scheduled_events/E1" },
      invitee: { uri: "http://127.0.0.1:1/scheduled_events/E1/invitees/I1/" },
    };
    const uris = scheduledUris(p)!;
    expect(lastSegment(uris.eventUri)).to.equal("E1");
    expect(lastSegment(uris.inviteeUri)).to.equal("I1");
    expect(scheduledUris({ event: p.event })).to.equal(undefined);
    expect(scheduledUris({ event: { uri: 5 }, invitee: p.invitee })).to.equal(undefined);
  });

  it("clamps page heights", () => {
    expect(pageHeight({ height: "1234px" }, 400, 1400)).to.equal(1234);
    expect(pageHeight({ height: "99999px" }, 400, 1400)).to.equal(1400);
    expect(pageHeight({ height: "1px" }, 400, 1400)).to.equal(400);
    expect(pageHeight({ height: "tall" }, 400, 1400)).to.equal(undefined);
  });
});

describe("format", () => {
  it("formats integer minor units by the currency's own digits", () => {
    expect(formatMoney({ amount: 6000, currency: "usd" }, "en")).to.equal("$60.00");
    expect(formatMoney({ amount: 5000, currency: "jpy" }, "en")).to.equal("¥5,000");
    expect(formatMoney({ amount: 1999, currency: "eur" }, "de").replace(/\s/g, " ")).to.equal("19,99 €");
  });
});

describe("return-params", () => {
  it("reads the booking and token, or the Stripe session, and whether checkout was cancelled", () => {
    expect(readReturn("?baw_booking=b&baw_token=t&session_id=cs", {})).to.deep.equal({
      ref: { id: "b", token: "t" },
      cancelled: false,
    });
    expect(readReturn("?session_id=cs", {})).to.deep.equal({ ref: { sessionId: "cs" }, cancelled: false });
    expect(readReturn("?baw_booking=b&baw_token=t&baw_checkout=cancelled", {}).cancelled).to.equal(true);
    expect(readReturn("?baw_booking=b", {}).ref, "a booking without its token is not enough").to.equal(undefined);
    expect(readReturn("", { bookingId: "b2", bookingToken: "t2" }).ref).to.deep.equal({ id: "b2", token: "t2" });
    expect(readReturn("", { checkoutSession: "cs2" }).ref).to.deep.equal({ sessionId: "cs2" });
  });

  it("strips only its own parameters", () => {
    expect(
      stripReturn("https://x.example/p?a=1&baw_booking=b&baw_token=t&session_id=s&baw_checkout=cancelled#h"),
    ).to.equal("https://x.example/p?a=1#h");
  });
});

describe("i18n", () => {
  it("falls back to English, overlays overrides and fills placeholders", () => {
    const s = stringsFor("xx-YY", { retry: "Again" }, () => {});
    expect(s.open).to.equal(en.open);
    expect(s.retry).to.equal("Again");
    expect(fill("Hi {name}, {missing}", { name: "Ada" })).to.equal("Hi Ada, {missing}");
  });

  it("loads German on first use and takes registered locales", async () => {
    await new Promise<void>((resolve) => stringsFor("de-CH", {}, resolve));
    expect(stringsFor("de-CH", {}, () => {}).retry).to.equal("Erneut versuchen");
    registerLocale("fr", { ...en, retry: "Réessayer" });
    expect(stringsFor("fr-FR", {}, () => {}).retry).to.equal("Réessayer");
  });
});
