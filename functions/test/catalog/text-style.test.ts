import {
  cleanContentItem,
  contentStyleIssues,
  countEquipmentKinds,
  describesSetup,
  descriptionStyleIssues,
  hasMarkup,
  isGerundPhrase,
  isLabelText,
  startsWithListMarker,
  usesFirstPerson,
  usesThirdPerson,
} from "../../src/catalog/text-style";

const checksOf = (issues: { check: string }[]): string[] => issues.map((issue) => issue.check);

describe("list markers and markup", () => {
  it.each([
    "1. Brace",
    "1) Brace",
    "(2) Brace",
    "10: Brace",
    "Step 3: Brace",
    "Step 1 - Brace",
    "Step 1 Brace",
    "- Brace",
    "* Brace",
    "• Brace",
    "•Brace",
    "-Brace",
    "– Brace",
    "**Brace** hard",
    "__Brace__",
    // Bullets of other kinds: Unicode bullets, geometric shapes, arrows, check marks and other symbols, emoji.
    "● Brace",
    "◦ Brace",
    "▪ Brace",
    "‣ Brace",
    "► Brace",
    "→ Brace",
    "⮕ Brace",
    "✓ Brace",
    "✔️ Brace",
    "★ Brace",
    "👉🏽 Brace",
    "⏱️ Brace",
    "⏩ Brace",
    "+ Brace",
    "\u2212 Brace",
    // Numbering with its mark or a dash apart, in full-width digits or marks, as a keycap or an enclosed number.
    "1 - Brace",
    "1 . Brace",
    "１. Brace",
    "１．Brace",
    "1️⃣ Brace",
    "① Brace",
    "❶ Brace",
  ])("%s starts with a list marker", (item) => {
    expect(startsWithListMarker(item)).toBe(true);
  });
  it.each([
    "Brace your core",
    "1.5 times bodyweight is a solid goal",
    "3 sets of 10 work well",
    "Step back from the rack",
    "Step 2-3 feet away from the cable stack and face away from it",
    "Step 1 foot forward into a split stance",
    "Step 1.5 feet back from the bench",
    "Step 2 - 3 feet to the side",
    "Step 2–3 feet back from the bar",
    "90-degree bend at the elbow is the target",
    "2 - 3 sets of 8 reps suit beginners",
    "10 – 12 reps per set build muscle",
    "1 : 2 tempo ratio for the eccentric",
    "5×5 for strength",
    "½ rep at the bottom of each squat",
    "1RM attempts are for advanced lifters",
    // A dash directly before a digit is a number's sign; a dash or mark apart from a number, before a word in
    // lower case, is the number's text; a sign of a unit, measure or right opens real text.
    "\u22125° decline bench hits the lower chest",
    "-5° decline bench hits the lower chest",
    "+5 lb per session suits a novice's linear progression",
    "60 - second rest between sets",
    "90 – degree bend at the elbow is the target",
    "3 . to 5 . reps in reserve",
    "° of knee flexion sets the depth",
    "℃ in the gym changes the grip",
    "℉ matters less than the warm-up",
    "№ 2 grip is the neutral one",
    "㎏ plates load in smaller steps",
    "⌀ 50 mm handles train the grip",
    "©2020 drills are still in the library",
    "® and ™ marks stay in equipment names",
  ])("%s does not", (item) => {
    expect(startsWithListMarker(item)).toBe(false);
    expect(cleanContentItem(item)).toBe(item);
  });
  it("finds inline markdown too", () => {
    expect(hasMarkup("Keep the **bar** close")).toBe(true);
    expect(hasMarkup("Use `tempo` work")).toBe(true);
    expect(hasMarkup("Keep the bar close")).toBe(false);
  });
  it("cleans numbering, bullets, bold and extra spaces", () => {
    expect(cleanContentItem("1. **Brace** your   core")).toBe("Brace your core");
    expect(cleanContentItem("- 2) Step one")).toBe("Step one");
    expect(cleanContentItem("Step 4: Lower the bar")).toBe("Lower the bar");
    expect(cleanContentItem("## Setup")).toBe("Setup");
    expect(cleanContentItem("1.5 times bodyweight")).toBe("1.5 times bodyweight");
  });
  it("strips italic and bold-italic emphasis whole, and flags a stray '*' left in text", () => {
    expect(cleanContentItem("***Brace*** your core before each rep")).toBe("Brace your core before each rep");
    expect(cleanContentItem("*Brace* your core")).toBe("Brace your core");
    expect(cleanContentItem("_Brace_ your core and **squeeze** your glutes")).toBe("Brace your core and squeeze your glutes");
    expect(cleanContentItem("Keep the reps_in_reserve at 5*3")).toBe("Keep the reps_in_reserve at 5*3");
    expect(hasMarkup("Brace* your core before each rep")).toBe(true);
  });
  it("flags every marker the cleaner strips", () => {
    for (const item of [
      "•Stand tall",
      "-Stand tall",
      "– Stand tall",
      "1.Stand tall",
      "1.) Stand tall",
      "(2). Stand tall",
      "Step 3.) Stand tall",
      "Step 1 - Stand tall",
      "step 1 – Stand tall",
      "Step 1 Stand tall",
      "Step 1-Stand tall",
      "step 1- Stand tall",
      "STEP 1: Stand tall",
      "● Stand tall",
      "→Stand tall",
      "✔️ Stand tall",
      "🏋️‍♂️ Stand tall",
      "1 - Stand tall",
      "1 . Stand tall",
      "１. Stand tall",
      "1️⃣ Stand tall",
      "① Stand tall",
    ]) {
      expect(cleanContentItem(item)).toBe("Stand tall");
      expect(startsWithListMarker(item)).toBe(true);
    }
  });
});

describe("phrase shapes", () => {
  it.each([
    "Rounding the lower back",
    "Not bracing the core",
    "Over-arching the spine",
    "Letting the knees cave",
    "Not fully locking out the hips at the top",
    "Only partially bracing the trunk before the pull",
  ])("%s is a gerund phrase", (item) => {
    expect(isGerundPhrase(item)).toBe(true);
  });
  it.each([
    "Keep your back flat",
    "Bring the bar down",
    "Swing the weight",
    "Elbows flaring out",
    "King of exercises",
    "Not fully locked out",
  ])("%s is not", (item) => {
    expect(isGerundPhrase(item)).toBe(false);
  });
  it("recognises 'Label: text'", () => {
    expect(isLabelText("Elbow flare: letting the elbows drift out")).toBe(true);
    expect(isLabelText("Rounding the back, which shifts load to the spine: avoid it")).toBe(false);
    expect(isLabelText("Rounding the lower back")).toBe(false);
  });
  it("takes a label ending in a number, or with no space after its colon, for a label", () => {
    expect(isLabelText("Phase 2: lowering the bar too fast")).toBe(true);
    expect(isLabelText("Rep 3: resting at the top")).toBe(true);
    expect(isLabelText("Set 1: warming up too little")).toBe(true);
    expect(isLabelText("Elbow flare:letting the elbows drift out")).toBe(true);
    expect(checksOf(contentStyleIssues("common_mistakes", ["Phase 2: lowering the bar too fast"]))).toContain("label_format");
  });
  it("takes no link's scheme for a label, and a label before a link for one", () => {
    expect(isLabelText("https://example.com shows the setup")).toBe(false);
    expect(isLabelText("Skipping the warm-up, see http://example.com/warm-up")).toBe(false);
    expect(isLabelText("Setup: https://example.com shows it")).toBe(true);
    expect(checksOf(contentStyleIssues("common_mistakes", ["https://example.com shows rounding the back"]))).not.toContain("label_format");
  });
  it("takes no ratio or clock time for a label", () => {
    expect(isLabelText("Pressing at a 2:1 tempo ratio")).toBe(false);
    expect(isLabelText("Setting up at 3:00 position")).toBe(false);
    expect(isLabelText("Lowering at a tempo 3:1:1 throughout")).toBe(false);
    expect(contentStyleIssues("common_mistakes", ["Pressing at a 2:1 tempo ratio", "Setting up at 3:00 position"])).toEqual([]);
  });
  it("detects first- and third-person voice", () => {
    expect(usesFirstPerson("I lower the bar to my chest")).toBe(true);
    expect(usesFirstPerson("Lower the bar to your chest")).toBe(false);
    expect(usesFirstPerson("Keep a neutral spine, i.e. no rounding")).toBe(false);
    expect(usesFirstPerson("Brace as I.E. coaches say")).toBe(false);
    expect(usesFirstPerson("Lower it as far as I can")).toBe(true);
    expect(usesThirdPerson("The lifter lowers the bar")).toBe(true);
    expect(usesThirdPerson("He keeps his back flat")).toBe(true);
    expect(usesThirdPerson("Lower the dumbbells, then raise them again")).toBe(false);
    expect(usesThirdPerson("They stand with the feet hip-width apart")).toBe(true);
    expect(usesThirdPerson("Hold the dumbbells so they stay level")).toBe(false);
  });
  it("detects setup steps", () => {
    expect(describesSetup("Lie on a flat bench and grip the bar")).toBe(true);
    expect(describesSetup("Stand with your feet hip-width apart")).toBe(true);
    expect(describesSetup("Squeeze your glutes at the top")).toBe(false);
  });
});

describe("countEquipmentKinds", () => {
  it("counts distinct kinds, plural and spelled variants included", () => {
    expect(countEquipmentKinds("Performed with a barbell or two dumbbells.")).toBe(2);
    expect(countEquipmentKinds("Use a barbell, dumbbells or kettlebells.")).toBe(3);
    expect(countEquipmentKinds("A bench press on a flat bench.")).toBe(0);
  });
  it("does not count a smith machine as a machine too", () => {
    expect(countEquipmentKinds("The smith machine guides the bar.")).toBe(1);
    expect(countEquipmentKinds("Use the smith machine or a leg press machine.")).toBe(2);
  });
  it("recognises aliases such as bands, TRX and EZ bar", () => {
    expect(countEquipmentKinds("Loop a band; or use a TRX; or an EZ-bar.")).toBe(3);
  });
  it("counts a cable machine as cable only, and a rowing machine as no machine", () => {
    expect(countEquipmentKinds("Stand at a cable machine holding a dumbbell in the other hand.")).toBe(2);
    expect(countEquipmentKinds("Row on the rowing machine, then on a machine row.")).toBe(2);
  });
  it("recognises every alias of the vocabulary, spoken with spaces", () => {
    expect(countEquipmentKinds("Hold a med ball, sit on a swiss ball or curl an EZ curl bar.")).toBe(3);
    expect(countEquipmentKinds("Wear a weight vest or a dipping belt on the parallel bars.")).toBe(3);
  });
  it("does not take the IT band for a resistance band", () => {
    expect(countEquipmentKinds("Stretches the IT band and the iliotibial band with a barbell.")).toBe(1);
    expect(countEquipmentKinds("Loop a band around your knees; the IT band stays relaxed.")).toBe(1);
  });
  it("does not take words that mean no equipment for a piece of equipment", () => {
    expect(countEquipmentKinds("Shift your body weight onto the heels; none of it rests on the toes.")).toBe(0);
  });
});

describe("contentStyleIssues", () => {
  const goodNotes = [
    "Lie on a flat bench and grip the bar slightly wider than your shoulders.",
    "Lower the bar to your lower chest under control.",
    "Press the bar back up until your arms are straight.",
    "Keep your feet flat on the floor throughout the set.",
  ];

  it("finds nothing wrong with well-written notes", () => {
    expect(contentStyleIssues("execution_notes", goodNotes)).toEqual([]);
  });
  it("reports markup", () => {
    expect(checksOf(contentStyleIssues("suitability_notes", ["- Suits most lifters well.", "Needs healthy shoulders to press."]))).toEqual([
      "markup",
    ]);
  });
  it("reports first- and third-person execution notes", () => {
    const notes = ["I lie on the bench and grip the bar.", "The lifter lowers the bar slowly.", ...goodNotes.slice(2)];
    expect(checksOf(contentStyleIssues("execution_notes", notes))).toEqual(["voice", "voice"]);
  });
  it("reports cues without a setup step", () => {
    const cues = ["Squeeze your glutes at the top.", "Breathe out as you press up.", "Control the lowering phase."];
    expect(checksOf(contentStyleIssues("execution_notes", cues))).toEqual(["missing_setup"]);
  });
  it("reports two or more items under four words", () => {
    expect(checksOf(contentStyleIssues("execution_notes", [...goodNotes, "Brace hard.", "Breathe out."]))).toEqual(["short_items"]);
    expect(checksOf(contentStyleIssues("execution_notes", [...goodNotes, "Brace hard."]))).toEqual([]);
  });
  it("does not apply the word count to stimulus tags", () => {
    expect(contentStyleIssues("stimulus_tags", ["Strength", "Hypertrophy", "Power", "Core"])).toEqual([]);
  });
  it("reports 'Label: text' and non-gerund mistakes", () => {
    expect(
      checksOf(contentStyleIssues("common_mistakes", ["Elbow flare: letting the elbows drift", "Rounding the lower back badly"])),
    ).toEqual(["label_format", "not_gerund"]);
    expect(checksOf(contentStyleIssues("common_mistakes", ["Back rounds at the bottom", "Rounding the lower back badly"]))).toEqual([
      "not_gerund",
    ]);
  });
});

describe("descriptionStyleIssues", () => {
  it("accepts a description of the target length naming two equipment kinds", () => {
    const text = "A horizontal press that builds the chest and triceps. It can be done with a barbell or a pair of dumbbells on a bench.";
    expect(descriptionStyleIssues(text)).toEqual([]);
  });
  it("reports a description under 100 characters", () => {
    expect(checksOf(descriptionStyleIssues("A horizontal press that builds the chest, shoulders and triceps."))).toEqual([
      "description_short",
    ]);
  });
  it("accepts a cable machine and a dumbbell as two equipment kinds", () => {
    const text =
      "Stand at a cable machine holding a dumbbell in the free hand, and row the handle to your hip while the dumbbell stays still.";
    expect(descriptionStyleIssues(text)).toEqual([]);
  });
  it("reports three or more equipment kinds", () => {
    const text = "A press for the chest that works with a barbell, dumbbells, a smith machine or cables, whichever the gym has free today.";
    expect(checksOf(descriptionStyleIssues(text))).toEqual(["description_equipment"]);
  });
});
