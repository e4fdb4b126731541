import { MAX_ONCE_KEY_BYTES, followUpJobId } from "../../src/jobs/handler";

const bytes = (text: string): number => Buffer.byteLength(text, "utf8");

describe("followUpJobId", () => {
  it("holds a onceKey of up to MAX_ONCE_KEY_BYTES as it is", () => {
    const longest = `registry-${"a".repeat(MAX_ONCE_KEY_BYTES - "registry-".length)}`;
    expect(followUpJobId("job", "enrichment")).toBe("job-enrichment");
    expect(followUpJobId("job", longest)).toBe(`job-${longest}`);
  });

  // An exercise id may be as long as Firestore allows: the follow-up's id would not fit in its 1,500 bytes.
  it.each([
    ["ASCII", "a"],
    ["of 3 bytes", "\u20AC"],
    ["beyond the BMP", "\u{1F3CB}"],
  ])("cuts a longer onceKey (characters %s) at a whole character and ends it with a digest of the whole", (_chars, char) => {
    const key = `registry-${char.repeat(1500 / bytes(char))}`;
    const id = followUpJobId("job", key);
    expect(bytes(id)).toBeLessThanOrEqual(bytes("job-") + MAX_ONCE_KEY_BYTES);
    expect(id).toMatch(/^job-registry-.*-[0-9a-f]{32}$/u);
    const start = id.slice("job-".length, -"-".length - 32);
    expect(key.startsWith(start)).toBe(true);
    // No character split: half of a surrogate pair would not survive UTF-8.
    expect(Buffer.from(start, "utf8").toString("utf8")).toBe(start);
    // The same key the same id (a retry finds the job its first ask made); another with the same start another.
    expect(followUpJobId("job", key)).toBe(id);
    expect(followUpJobId("job", `${key}b`)).not.toBe(id);
  });
});
