# SPDX-License-Identifier: MIT
# Write-update (issue 6): the store decoder's libFuzzer target links the decoder itself
# besides the net library that mk/40-net.mk gives every target.
STORE_DECODE_FUZZ_OBJ := $(BUILD)/fuzz/obj/kernel/store_decode.o
.SECONDARY: $(STORE_DECODE_FUZZ_OBJ)
$(BUILD)/fuzz/fuzz_store_decode: $(STORE_DECODE_FUZZ_OBJ) kernel/store_decode.h
$(BUILD)/fuzz/fuzz_store_decode: FUZZ_LIB_OBJS += $(STORE_DECODE_FUZZ_OBJ)
