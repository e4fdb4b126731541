import {
  CANONICAL_EQUIPMENT,
  abbreviatesBase,
  canonicalExerciseName,
  coreWords,
  equipmentDisplayName,
  exerciseIdFor,
  exerciseNameParts,
  isBodyweightClassic,
  isEnumValue,
  isTitleCase,
  mayOmitEquipmentSuffix,
  normalizeEnumValue,
  normalizeEquipment,
  normalizeEquipmentList,
  singular,
  normalizeMuscle,
  splitEquipmentPrefix,
  splitExerciseName,
  titleCase,
  toFamilySlug,
  toNameSlug,
} from "../../src/catalog/taxonomy";

describe("toNameSlug", () => {
  it.each([
    ["Deadlift (Barbell)", "deadlift-barbell"],
    ["Bench Press (Smith Machine)", "bench-press-smith-machine"],
    ["Push-Up", "push-up"],
    ["Farmer's Walk (Dumbbell)", "farmers-walk-dumbbell"],
    ["  Crème   Brûlée__Press  ", "creme-brulee-press"],
    ["Curl (EZ Bar)", "curl-ez-bar"],
    ["90/90 Hip Switch", "9090-hip-switch"],
    ["Row -- (Cable)", "row-cable"],
  ])("%s → %s", (name, slug) => {
    expect(toNameSlug(name)).toBe(slug);
  });
});

describe("toFamilySlug", () => {
  it.each([
    ["Barbell Bench Press", "bench_press"],
    ["Bench Press (Dumbbell)", "bench_press"],
    ["Smith Machine Squat", "squat"],
    ["EZ-Bar Curl", "curl"],
    ["Trap Bar Deadlift", "deadlift"],
    ["Hex Bar Deadlift", "deadlift"],
    ["Weighted Pull-Up", "pull_up"],
    ["Landmine Press", "press"],
    ["Push-Up", "push_up"],
    ["Farmer's Walk (Kettlebell)", "farmers_walk"],
    ["Romanian Deadlift (Barbell)", "romanian_deadlift"],
    // A name of equipment of several words is one leading equipment word, the longest one.
    ["Cable Machine Row", "row"],
    ["Resistance Band Row", "row"],
    ["Medicine Ball Slam (Medicine Ball)", "slam"],
    // The locked rule's list names the single words: an abbreviation, a plural or other equipment is the movement's word.
    ["DB Bench Press", "db_bench_press"],
    ["KB Swing", "kb_swing"],
    ["TRX Row", "trx_row"],
    ["Smith Squat", "smith_squat"],
    ["Dumbbells Row", "dumbbells_row"],
    ["Treadmill Walk", "treadmill_walk"],
    ["Elliptical Trainer", "elliptical_trainer"],
    ["Rower Machine", "rower_machine"],
    ["Plate-Loaded Row", "plate_loaded_row"],
    ["Bike Crunch", "bike_crunch"],
    // Only one leading equipment word is stripped.
    ["Barbell Cable Row", "cable_row"],
    // A name that is only an equipment word keeps it rather than becoming empty.
    ["Cable", "cable"],
    ["Smith Machine", "smith_machine"],
  ])("%s → %s", (name, slug) => {
    expect(toFamilySlug(name)).toBe(slug);
  });
});

describe("exerciseIdFor", () => {
  it("joins family and name slug with a double underscore", () => {
    expect(exerciseIdFor("bench_press", "bench-press-barbell")).toBe("bench_press__bench-press-barbell");
  });
});

describe("splitExerciseName", () => {
  it("separates a trailing (Equipment) suffix", () => {
    expect(splitExerciseName("Bench Press (Barbell)")).toEqual({ base: "Bench Press", suffix: "Barbell" });
  });
  it("returns a null suffix when there is none or it is empty", () => {
    expect(splitExerciseName("Push-Up")).toEqual({ base: "Push-Up", suffix: null });
    expect(splitExerciseName("Bench Press ()")).toEqual({ base: "Bench Press", suffix: null });
  });
  it("only takes the last parenthesised group", () => {
    expect(splitExerciseName("Press (Close Grip) (Barbell)")).toEqual({ base: "Press (Close Grip)", suffix: "Barbell" });
  });
  it("takes a line break in a name for a space, before the suffix as anywhere", () => {
    expect(splitExerciseName("Bench\nPress (Barbell)")).toEqual({ base: "Bench\nPress", suffix: "Barbell" });
    expect(splitExerciseName("\nSquat\r\n(Barbell)\n")).toEqual({ base: "Squat", suffix: "Barbell" });
  });
});

describe("abbreviatesBase", () => {
  it.each([
    ["RDL", "Romanian Deadlift"],
    ["SLDL", "Stiff-Leg Deadlift"],
    ["OHP", "Overhead Press"],
    ["TGU", "Turkish Get-Up"],
    ["HSPU", "Handstand Push-Up"],
    ["RD", "Romanian Deadlift (Barbell)"],
  ])("reads %s off the words of %s, each giving its initial and maybe more of its own letters", (abbreviation, base) => {
    expect(abbreviatesBase(abbreviation, base)).toBe(true);
  });
  it.each([
    ["Pause", "Squat"],
    ["PAUSE", "Squat"],
    ["Rdl", "Romanian Deadlift"],
    ["SL", "Romanian Deadlift"],
    ["RDL", "Deadlift"],
    ["DL", "Romanian Deadlift"],
    ["RDLS", "Romanian Deadlift"],
    ["R", "Row"],
    ["RD L", "Romanian Deadlift"],
    ["SA", "Squat"],
    ["SA", "Snatch"],
  ])("takes %s for no abbreviation of %s: not one word of capitals, or one that skips a word or says more (a vowel)", (word, base) => {
    expect(abbreviatesBase(word, base)).toBe(false);
  });
  it("judges a long name that almost fits in time: the splits are followed side by side, not each tried", () => {
    // Thirteen words that every letter but the last fits many ways: trying each split took minutes.
    const base = Array.from({ length: 13 }, () => "Bbbbbbbb").join(" ");
    expect(abbreviatesBase(`${"B".repeat(40)}C`, base)).toBe(false);
    expect(abbreviatesBase("B".repeat(40), base)).toBe(true);
  });
});

describe("exerciseNameParts", () => {
  it("moves a qualifier in front of the base, whether it stands last or just before the equipment suffix", () => {
    const parts = { prefix: null, rest: "Close Grip Row", suffix: null, qualified: true, extraSuffix: null };
    expect(exerciseNameParts("Row (Close Grip)", "cable")).toEqual(parts);
    expect(exerciseNameParts("Row (Close Grip) (Cable)", "cable")).toEqual({ ...parts, suffix: "Cable" });
    expect(exerciseNameParts("Barbell Squat (pause) (Barbell)", "barbell")).toEqual({
      prefix: "Barbell",
      rest: "pause Squat",
      suffix: "Barbell",
      qualified: true,
      extraSuffix: null,
    });
  });
  it('drops a "(…)" that only abbreviates the base, whether it stands last or just before the equipment suffix', () => {
    const parts = { prefix: null, rest: "Romanian Deadlift", suffix: null, qualified: true, extraSuffix: null };
    expect(exerciseNameParts("Romanian Deadlift (RDL)", "barbell")).toEqual(parts);
    expect(exerciseNameParts("Romanian Deadlift (RDL)", null)).toEqual(parts);
    expect(exerciseNameParts("Romanian Deadlift (RDL) (Barbell)", "barbell")).toEqual({ ...parts, suffix: "Barbell" });
    expect(exerciseNameParts("Barbell Back Squat (BBS)", "barbell")).toEqual({ ...parts, prefix: "Barbell", rest: "Back Squat" });
    // One that says more than the base is a qualifier.
    expect(exerciseNameParts("Romanian Deadlift (SL)", "dumbbell")).toEqual({ ...parts, rest: "SL Romanian Deadlift" });
    expect(exerciseNameParts("Deadlift (RDL)", "barbell")).toEqual({ ...parts, rest: "RDL Deadlift" });
  });
  it("keeps a name of equipment that is the whole base, or opens a movement of its own, in the base", () => {
    expect(exerciseNameParts("Smith Machine", "smith-machine")).toEqual({
      prefix: null,
      rest: "Smith Machine",
      suffix: null,
      qualified: false,
      extraSuffix: null,
    });
    expect(exerciseNameParts("Elliptical Trainer (Elliptical)", "elliptical")).toEqual({
      prefix: null,
      rest: "Elliptical Trainer",
      suffix: "Elliptical",
      qualified: false,
      extraSuffix: null,
    });
  });
  it("leaves a canonical name's parts as they are", () => {
    expect(exerciseNameParts("Close Grip Row (Cable)", "cable")).toEqual({
      prefix: null,
      rest: "Close Grip Row",
      suffix: "Cable",
      qualified: false,
      extraSuffix: null,
    });
  });
  it("drops a repeated equipment suffix from the base, and keeps a second one naming other equipment there", () => {
    const once = { prefix: null, rest: "Row", suffix: "Cable", qualified: false };
    expect(exerciseNameParts("Row (Cable) (Cable)", "cable")).toEqual({ ...once, extraSuffix: "Cable" });
    expect(exerciseNameParts("Row (Cable) (Cable) (Cable)", null)).toEqual({ ...once, extraSuffix: "Cable" });
    expect(exerciseNameParts("Row (DB) (Dumbbell)", "dumbbell")).toEqual({ ...once, suffix: "Dumbbell", extraSuffix: "DB" });
    expect(exerciseNameParts("Row (Close Grip) (Cable) (Cable)", "cable")).toEqual({
      ...once,
      rest: "Close Grip Row",
      qualified: true,
      extraSuffix: "Cable",
    });
    expect(exerciseNameParts("Row (Cable) (Barbell)", null)).toEqual({
      ...once,
      rest: "Row (Cable)",
      suffix: "Barbell",
      extraSuffix: "Cable",
    });
    expect(exerciseNameParts("Row (Barbell) (Cable) (Cable)", "cable")).toEqual({ ...once, rest: "Row (Barbell)", extraSuffix: "Barbell" });
  });
});

describe("equipment prefix", () => {
  it("finds multi-word equipment before single words", () => {
    expect(splitEquipmentPrefix("Smith Machine Squat")).toEqual({ prefix: "Smith Machine", rest: "Squat" });
    expect(splitEquipmentPrefix("EZ-Bar Curl")).toEqual({ prefix: "EZ-Bar", rest: "Curl" });
    expect(splitEquipmentPrefix("Cable Machine Row")).toEqual({ prefix: "Cable Machine", rest: "Row" });
    expect(splitEquipmentPrefix("Weighted Vest Push-Up")).toEqual({ prefix: "Weighted Vest", rest: "Push-Up" });
  });
  it("finds every name of equipment of several words the catalog knows, canonical or another name of one", () => {
    expect(splitEquipmentPrefix("Resistance Band Row")).toEqual({ prefix: "Resistance Band", rest: "Row" });
    expect(splitEquipmentPrefix("Med Ball Slam")).toEqual({ prefix: "Med Ball", rest: "Slam" });
    expect(splitEquipmentPrefix("Pull-Up Bar Hang")).toEqual({ prefix: "Pull-Up Bar", rest: "Hang" });
    // A single word the catalog knows as equipment may be part of the movement's name.
    expect(splitEquipmentPrefix("Bike Crunch").prefix).toBeNull();
  });
  it("keeps hyphens in the rest of the name", () => {
    expect(splitEquipmentPrefix("Weighted Pull-Up")).toEqual({ prefix: "Weighted", rest: "Pull-Up" });
  });
  it("matches whole words only", () => {
    const prefixOf = (name: string) => splitEquipmentPrefix(name).prefix;
    expect(prefixOf("Bandit Row")).toBeNull();
    expect(prefixOf("Cable Fly")).toBe("Cable");
    expect(prefixOf("Band Pull-Apart")).toBe("Band");
    expect(prefixOf("Bench Press (Barbell)")).toBeNull();
    expect(prefixOf("Barbell")).toBeNull();
  });
});

describe("isBodyweightClassic", () => {
  it.each([
    "Push-Up",
    "Pull-Up",
    "Chin-Up",
    "Plank",
    "Side Plank",
    "Dip",
    "Burpee",
    "Sit-Up",
    "Crunch",
    "Diamond Push-Up",
    "Push-Up (Bodyweight)",
  ])("%s is a classic", (name) => {
    expect(isBodyweightClassic(name)).toBe(true);
  });
  it.each(["Bench Press", "Squat", "Lateral Raise", "Dipping Bird", "Planks Row"])("%s is not", (name) => {
    expect(isBodyweightClassic(name)).toBe(false);
  });
});

describe("mayOmitEquipmentSuffix", () => {
  it.each([
    ["Push-Up", "bodyweight"],
    ["Pull-Up", "pull-up-bar"],
    ["Dip", "dip-station"],
    ["Diamond Push-Up", "bodyweight"],
  ])("lets %s on %s go without a suffix", (name, primary) => {
    expect(mayOmitEquipmentSuffix(name, primary)).toBe(true);
  });
  it.each([
    ["Pull-Up", "dip-belt"],
    ["Crunch", "machine"],
    ["Push-Up", "resistance-band"],
    ["Plank", "stability-ball"],
    ["Push-Up", null],
    ["Squat", "bodyweight"],
  ])("asks %s on %s for one", (name, primary) => {
    expect(mayOmitEquipmentSuffix(name, primary)).toBe(false);
  });
});

describe("titleCase / isTitleCase", () => {
  it("capitalises words and hyphen parts, keeps minor words and acronyms", () => {
    expect(titleCase("push-up to t-bar row")).toBe("Push-Up to T-Bar Row");
    expect(titleCase("EZ bar curl")).toBe("EZ Bar Curl");
    // Known acronyms keep their capitals whatever their length, and unknown capitals of 2–3 letters may be acronyms too.
    expect(titleCase("HIIT")).toBe("HIIT");
    expect(titleCase("EMOM finisher")).toBe("EMOM Finisher");
    expect(titleCase("SSB squat")).toBe("SSB Squat");
    // Text written all in capitals keeps only its known acronyms.
    expect(titleCase("BENCH PRESS")).toBe("Bench Press");
    expect(titleCase("EZ BAR CURL (EZ-BAR)")).toBe("EZ Bar Curl (EZ-Bar)");
    expect(titleCase("TRX ROWS")).toBe("TRX Rows");
    expect(titleCase("TRX RDL")).toBe("TRX RDL");
    // Short capitals may all be abbreviations: only a longer word that is no acronym tells shouting.
    expect(titleCase("SL RDL")).toBe("SL RDL");
    expect(titleCase("SSB GM")).toBe("SSB GM");
    expect(titleCase("RKC PLANK")).toBe("RKC Plank");
    // Known acronyms of 4 letters or more are no shouting, written all in capitals or beside mixed case.
    expect(titleCase("BOSU Ball Squat")).toBe("BOSU Ball Squat");
    expect(titleCase("BOSU BALL SQUAT")).toBe("BOSU Ball Squat");
    expect(titleCase("HSPU (Wall)")).toBe("HSPU (Wall)");
    expect(titleCase("LISS")).toBe("LISS");
    expect(titleCase("TRX Row")).toBe("TRX Row");
    // A known acronym written in lowercase or as a word is written in capitals: it names the same thing.
    expect(titleCase("trx row")).toBe("TRX Row");
    expect(titleCase("Bosu ball squat")).toBe("BOSU Ball Squat");
    expect(titleCase("liss cardio (treadmill)")).toBe("LISS Cardio (Treadmill)");
    expect(titleCase("single-leg-rdl")).toBe("Single-Leg-RDL");
    expect(titleCase("  mcgill  curl-up ")).toBe("Mcgill Curl-Up");
    expect(titleCase("McGill curl-up")).toBe("McGill Curl-Up");
    expect(titleCase("the hundred")).toBe("The Hundred");
  });
  it("title-cases a shouted word of 4 letters or more that is no known acronym, even in mixed-case text", () => {
    expect(titleCase("Front SQUAT (Barbell)")).toBe("Front Squat (Barbell)");
    expect(titleCase("Lat PULLDOWN (Cable)")).toBe("Lat Pulldown (Cable)");
    expect(titleCase("ROMANIAN Deadlift (Barbell)")).toBe("Romanian Deadlift (Barbell)");
    expect(titleCase("Curl (EZ-BAR)")).toBe("Curl (EZ-Bar)");
    expect(titleCase("PLANK")).toBe("Plank");
    expect(titleCase("STRENGTH")).toBe("Strength");
    for (const text of ["Front SQUAT (Barbell)", "Lat PULLDOWN (Cable)", "ROMANIAN Deadlift (Barbell)", "PLANK", "HYPERTROPHY"]) {
      expect([text, isTitleCase(text)]).toEqual([text, false]);
      expect(isTitleCase(titleCase(text))).toBe(true);
    }
    expect(isTitleCase("SSB Squat")).toBe(true);
  });
  it("keeps an acronym or a mixed-case word in brackets as it is, as isTitleCase accepts it", () => {
    for (const text of ["Romanian Deadlift (RDL)", "Curl Up (McGill)"]) {
      expect(titleCase(text)).toBe(text);
      expect(isTitleCase(text)).toBe(true);
    }
  });
  it("title-cases a part in capitals of a hyphenated word that is never an acronym, or is shouted, and says such a word is no Title Case", () => {
    expect(titleCase("Single-ARM Row")).toBe("Single-Arm Row");
    expect(titleCase("single-ARM row")).toBe("Single-Arm Row");
    expect(titleCase("One-LEG Hop")).toBe("One-Leg Hop");
    expect(titleCase("Half-KNEELING Single-ARM Press")).toBe("Half-Kneeling Single-Arm Press");
    for (const text of ["Single-ARM Row", "Close-GRIP Bench", "1-ARM Row", "Turkish Get-UP"])
      expect([text, isTitleCase(text)]).toEqual([text, false]);
    // Mixed case is meant, and so are other short capitals beside lowercase letters: acronyms the list may not know.
    for (const text of [
      "McGill-Style Curl-Up",
      "Single-Leg (RDL)",
      "TRX Row",
      "Single-Leg-RDL",
      "Half-TGU",
      "Squat 5RM",
      "PNF-Stretch",
      "Full-ROM",
      "Low-CNS Load",
      "GHR-Curl",
    ]) {
      expect([text, titleCase(text), isTitleCase(text)]).toEqual([text, text, true]);
    }
  });
  it("judges each hyphen part of a word with inner hyphens or digits alone, not the word's letters as one acronym", () => {
    expect(titleCase("1-ARM Row")).toBe("1-Arm Row");
    expect(titleCase("V-UP")).toBe("V-Up");
    expect(titleCase("Turkish Get-UP")).toBe("Turkish Get-Up");
    expect(titleCase("Curl (1-ARM)")).toBe("Curl (1-Arm)");
    expect(titleCase("McGill curl-up (1-ARM)")).toBe("McGill Curl-Up (1-Arm)");
    expect(titleCase("Half-KNEELING Press")).toBe("Half-Kneeling Press");
  });
  it.each([
    ["Single-Leg-RDL", "Single-Leg-RDL"],
    ["Landmine-RDL Combo", "Landmine-RDL Combo"],
    ["Zottman-EZ Curl", "Zottman-EZ Curl"],
    ["Half-TGU", "Half-TGU"],
    ["Pre-WOD Warm-Up", "Pre-WOD Warm-Up"],
    ["1RM Test", "1RM Test"],
    ["Squat 5RM (Barbell)", "Squat 5RM (Barbell)"],
    ["1RM TEST", "1RM Test"],
    ["One-AND-A-Half Squat", "One-and-a-Half Squat"],
  ])("keeps the capitals of an acronym beside lowercase letters in a hyphenated word, and of a repetition maximum: %s", (text, cased) => {
    expect(titleCase(text)).toBe(cased);
  });
  it("capitalises the first letter after leading punctuation, and keeps minor words lowercase inside hyphenated words", () => {
    expect(titleCase("bench press (close grip) pause")).toBe("Bench Press (Close Grip) Pause");
    expect(titleCase('"the hundred"')).toBe('"The Hundred"');
    expect(titleCase("one-and-a-half squat")).toBe("One-and-a-Half Squat");
    expect(titleCase("a-frame hold")).toBe("A-Frame Hold");
  });
  it("accepts what titleCase makes", () => {
    for (const text of ["HIIT", "EMOM Finisher", "Bench Press (Close Grip) Pause", '"The Hundred"', "One-and-a-Half Squat"]) {
      expect(isTitleCase(text)).toBe(true);
    }
    expect(isTitleCase("Bench Press (close Grip)")).toBe(false);
    expect(isTitleCase('"the Hundred"')).toBe(false);
    expect(isTitleCase("BENCH PRESS (BARBELL)")).toBe(false);
    expect(isTitleCase("TRX RDL")).toBe(true);
    expect(isTitleCase("BOSU Ball Squat")).toBe(true);
  });
  it("accepts Title Case and rejects lowercase words", () => {
    expect(isTitleCase("Neutral-Grip Pull-Up")).toBe(true);
    expect(isTitleCase("Around the World")).toBe(true);
    expect(isTitleCase("90/90 Hip Switch")).toBe(true);
    expect(isTitleCase("Bench press")).toBe(false);
    expect(isTitleCase("Push-up")).toBe(false);
  });
  it("keeps capitals meant inside a word, capitalising its first letter, and title-cases each part after a slash", () => {
    // Capitals with a digit are a name (VO2), a capital after a lowercase letter following a letter is meant
    // (McGill); after a lone lowercase first letter it is not ("eGym": "EGym" would read as a slip next time).
    expect(titleCase("VO2 max intervals")).toBe("VO2 Max Intervals");
    expect(titleCase("mcGill curl-up")).toBe("McGill Curl-Up");
    expect(titleCase("McGill-style curl-up")).toBe("McGill-Style Curl-Up");
    expect(titleCase("iPhone-timed rest")).toBe("Iphone-Timed Rest");
    expect(titleCase("eGym leg press")).toBe("Egym Leg Press");
    // Caps Lock inverting a word ("bENCH") and capitals slipped past the first letter ("PUsh") are no meant capitals.
    expect(titleCase("bENCH pRESS")).toBe("Bench Press");
    expect(titleCase("PUsh press")).toBe("Push Press");
    expect(titleCase("push/pull")).toBe("Push/Pull");
    expect(titleCase("upper/lower split (SL/RDL)")).toBe("Upper/Lower Split (SL/RDL)");
    for (const text of ["Conditioning", "VO2 Max", "Push/Pull", "Work Capacity", "McGill-Style Curl-Up", "90/90 Hip Switch"]) {
      expect([text, titleCase(text), isTitleCase(text)]).toEqual([text, text, true]);
    }
    expect(isTitleCase("Push/pull")).toBe(false);
  });
  it("is stable: what it writes, written again, stays as it is", () => {
    // Every word of up to five characters over letters of both cases, a digit, a hyphen and a slash.
    const alphabet = ["a", "b", "A", "B", "2", "-", "/"];
    let words = [""];
    const unstable: string[] = [];
    for (let length = 1; length <= 5; length++) {
      words = words.flatMap((word) => alphabet.map((character) => word + character));
      for (const word of words) {
        const once = titleCase(`${word} press`);
        if (titleCase(once) !== once) unstable.push(word);
      }
    }
    expect(unstable).toEqual([]);
  });
  it("keeps a dash other than the hyphen, which the slugs drop, so the name stays in its family", () => {
    expect(titleCase("90\u201390 hip switch")).toBe("90\u201390 Hip Switch");
    expect(isTitleCase("90\u201390 Hip Switch")).toBe(true);
  });
});

describe("normalizeEquipment", () => {
  it("lowercases and turns spaces and underscores into hyphens", () => {
    expect(normalizeEquipment("Smith Machine")).toEqual({ value: "smith-machine", canonical: true });
    expect(normalizeEquipment(" pull_up_bar ")).toEqual({ value: "pull-up-bar", canonical: true });
  });
  it.each([
    ["dip belt", "dip-belt", false],
    ["Weight Plate", "plate", false],
    ["plates", "plate", false],
    ["weighted vest", "weighted-vest", false],
    ["Parallel Bars", "dip-station", true],
    ["EZ Bar", "ez-bar", true],
    ["hex bar", "trap-bar", true],
    ["band", "resistance-band", true],
    ["Dumbbells", "dumbbell", true],
    ["TRX", "suspension-trainer", true],
  ])("%s → %s (canonical %s)", (raw, value, canonical) => {
    expect(normalizeEquipment(raw)).toEqual({ value, canonical });
  });
  it("allows unknown equipment but marks it non-canonical", () => {
    expect(normalizeEquipment("Sandbag")).toEqual({ value: "sandbag", canonical: false });
  });
  it("every canonical value normalises to itself", () => {
    for (const equipment of CANONICAL_EQUIPMENT) expect(normalizeEquipment(equipment)).toEqual({ value: equipment, canonical: true });
  });
  it("normalises a list, dropping blanks and duplicates but keeping the primary first", () => {
    expect(normalizeEquipmentList(["Dumbbells", "", "bench", "dumbbell", "Flat Bench"])).toEqual(["dumbbell", "bench", "flat-bench"]);
  });
});

describe("equipmentDisplayName", () => {
  it.each([
    ["barbell", "Barbell"],
    ["ez-bar", "EZ Bar"],
    ["smith-machine", "Smith Machine"],
    ["pull-up-bar", "Pull-Up Bar"],
    ["resistance-band", "Resistance Band"],
    ["trap-bar", "Trap Bar"],
    ["dip_belt", "Dip Belt"],
    ["bosu-ball", "BOSU Ball"],
    ["GHD", "GHD"],
  ])("%s → %s", (equipment, display) => {
    expect(equipmentDisplayName(equipment)).toBe(display);
  });
  it("round-trips through normalizeEquipment for every canonical value", () => {
    for (const equipment of CANONICAL_EQUIPMENT) expect(normalizeEquipment(equipmentDisplayName(equipment)).value).toBe(equipment);
  });
});

describe("canonicalExerciseName", () => {
  it("builds 'Base (Equipment)' in Title Case", () => {
    expect(canonicalExerciseName("bench press", "barbell")).toBe("Bench Press (Barbell)");
    expect(canonicalExerciseName("curl", "ez-bar")).toBe("Curl (EZ Bar)");
    expect(canonicalExerciseName("squat", "Smith Machine")).toBe("Squat (Smith Machine)");
  });
  it("leaves the suffix out without equipment", () => {
    expect(canonicalExerciseName("push-up", null)).toBe("Push-Up");
  });
});

describe("normalizeMuscle", () => {
  it.each([
    ["Lats", "latissimus dorsi"],
    ["quads", "quadriceps"],
    ["Hams", "hamstrings"],
    ["delts", "deltoid"],
    ["Shoulders", "deltoid"],
    ["front delt", "anterior deltoid"],
    ["Side_Delts", "lateral deltoid"],
    ["rear delt", "posterior deltoid"],
    ["traps", "trapezius"],
    ["ABS", "rectus abdominis"],
    ["pecs", "pectoralis major"],
    ["upper chest", "pectoralis major"],
    ["glute", "glutes"],
    ["Latissimus_Dorsi", "latissimus dorsi"],
    ["Rear-Delts", "posterior deltoid"],
    ["hip-flexor", "hip flexors"],
    ["  Erector   Spinae ", "erector spinae"],
  ])("%s → %s", (raw, muscle) => {
    expect(normalizeMuscle(raw)).toBe(muscle);
  });
});

describe("normalizeEnumValue", () => {
  it.each([
    ["movement_type", "press", "push"],
    ["movement_type", "Horizontal Pull", "pull"],
    ["movement_type", "hip hinge", "hinge"],
    ["movement_type", "Push movement", "push"],
    ["movement_split", "full body", "full_body"],
    ["movement_split", "Upper Body", "upper"],
    ["category", "stretching", "mobility"],
    ["category", "Compound", "compound"],
    ["category", "multi-joint", "compound"],
    ["level", "Novice", "beginner"],
    ["plane_of_motion", "Sagittal plane", "sagittal"],
    ["plane_of_motion", "multi plane", "multi-plane"],
    ["plane_of_motion", "multiplanar", "multi-plane"],
    ["muscle_category", "Full-Body", "full_body"],
    ["muscle_category", "delts", "shoulders"],
  ] as const)("%s: %s → %s", (kind, raw, value) => {
    expect(normalizeEnumValue(kind, raw)).toBe(value);
  });
  it("returns null for unknown values and non-strings", () => {
    expect(normalizeEnumValue("category", "strength")).toBeNull();
    expect(normalizeEnumValue("movement_type", 3)).toBeNull();
    expect(normalizeEnumValue("level", undefined)).toBeNull();
  });
  it("isEnumValue accepts only canonical values", () => {
    expect(isEnumValue("movement_split", "full_body")).toBe(true);
    expect(isEnumValue("movement_split", "full body")).toBe(false);
  });
});

describe("coreWords", () => {
  it.each([
    [
      ["db", "bench", "press"],
      ["bench", "press"],
    ],
    [["kb", "swings"], ["swing"]],
    [["smith", "row"], ["row"]],
    // Equipment words are matched in singular, so a plural one the catalog has no alias for is one too.
    [["dumbbells", "row"], ["row"]],
    [["trap", "bars", "deadlifts"], ["deadlift"]],
    [["smith", "machines", "squat"], ["squat"]],
    // Not a name of equipment that opens the movement's own name, nor the words of a slug that are nothing else.
    [
      ["bike", "crunches"],
      ["bike", "crunch"],
    ],
    [["dumbbells"], ["dumbbell"]],
    // Nor another name of equipment the locked family-slug rule does not strip: the movement may be its own.
    [
      ["trx", "rows"],
      ["trx", "row"],
    ],
    [
      ["rower", "sprint"],
      ["rower", "sprint"],
    ],
    [
      ["treadmill", "walk"],
      ["treadmill", "walk"],
    ],
  ])("coreWords(%j) = %j", (words, expected) => {
    expect(coreWords(words)).toEqual(expected);
  });
});

describe("singular", () => {
  it.each([
    ["presses", "press"],
    ["flies", "fly"],
    ["rows", "row"],
    ["press", "press"],
    ["abs", "ab"],
    ["ups", "up"],
    ["pushups", "pushup"],
  ])("singular(%s) = %s", (word, expected) => {
    expect(singular(word)).toBe(expected);
  });
});
